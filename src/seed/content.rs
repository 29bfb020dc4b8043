//! The demo content: categories, thirty-odd articles in English and Arabic
//! written for this project, and a privacy policy.

/// (slug, name, parent slug, description)
pub const CATEGORIES: &[(&str, &str, Option<&str>, &str)] = &[
    ("politics", "Politics", None, "Governments, parliaments and the people who run them."),
    ("elections", "Elections", Some("politics"), "Campaigns, polls and results."),
    ("world", "World", None, "News from every continent."),
    ("middle-east", "Middle East", Some("world"), "From the Maghreb to the Gulf."),
    ("business", "Business", None, "Markets, companies and the economy."),
    ("technology", "Technology", None, "Software, science and the internet."),
    ("sports", "Sports", None, "Results and stories from the field."),
    ("culture", "Culture", None, "Books, film, music and ideas."),
];

/// (title, category, tags, paragraphs)
pub const ARTICLES: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "Libya sets a date for national elections",
        "elections",
        &["Libya", "Elections"],
        &[
            "The electoral commission announced on Monday that voters will go to the polls in the spring, the first national vote in years.",
            "Candidates have six weeks to register. Observers from several regional organisations have been invited.",
        ],
    ),
    (
        "Turnout climbs in early municipal voting",
        "elections",
        &["Elections", "Local government"],
        &[
            "More than half of registered voters cast a ballot in the first round of municipal elections, officials said.",
            "Queues formed outside schools that served as polling stations, and counting continued late into the night.",
        ],
    ),
    (
        "Parliament passes a budget after a week of debate",
        "politics",
        &["Budget", "Parliament"],
        &[
            "Lawmakers approved the national budget by a narrow margin after amendments on health and education spending.",
            "The opposition said the plan relies on optimistic forecasts for oil revenue.",
        ],
    ),
    (
        "Coalition talks stall over the interior ministry",
        "politics",
        &["Parliament", "Coalition"],
        &[
            "Negotiations between the three largest parties paused on Thursday without agreement on who would lead the interior ministry.",
            "A spokesperson said talks would resume after the weekend.",
        ],
    ),
    (
        "Ceasefire holds for a third week",
        "middle-east",
        &["Diplomacy", "Security"],
        &[
            "A fragile ceasefire brokered by neighbouring states held for a third consecutive week, according to monitors.",
            "Aid convoys reached two towns that had been cut off since the summer.",
        ],
    ),
    (
        "Regional leaders meet on water sharing",
        "middle-east",
        &["Diplomacy", "Water"],
        &[
            "Ministers from five countries met to discuss the management of shared rivers as drought worsens.",
            "The talks ended with a commitment to exchange data on river flows every month.",
        ],
    ),
    (
        "Central bank holds rates steady",
        "business",
        &["Economy", "Banking"],
        &[
            "The central bank kept its main interest rate unchanged, citing easing inflation and a stable currency.",
            "Analysts expect a cut early next year if prices keep slowing.",
        ],
    ),
    (
        "Port expansion promises thousands of jobs",
        "business",
        &["Economy", "Infrastructure"],
        &[
            "Construction began on a new container terminal that officials say will double the port's capacity.",
            "The project is financed by a consortium of local and foreign banks.",
        ],
    ),
    (
        "Startups bet on Arabic language software",
        "technology",
        &["Startups", "Arabic"],
        &[
            "A new generation of companies is building search, speech and translation tools designed for Arabic first.",
            "Investors say the market has long been underserved by products built for English.",
        ],
    ),
    (
        "Solar farm comes online in the desert",
        "technology",
        &["Energy", "Infrastructure"],
        &[
            "The country's largest solar farm started supplying power to the grid this week.",
            "Engineers say dust storms remain the biggest challenge for keeping the panels efficient.",
        ],
    ),
    (
        "Local club wins the cup in extra time",
        "sports",
        &["Football"],
        &[
            "A header in the 112th minute gave the home side its first cup title in two decades.",
            "Thousands of fans celebrated in the streets until dawn.",
        ],
    ),
    (
        "Marathon draws a record field",
        "sports",
        &["Athletics"],
        &[
            "More than ten thousand runners took part in the city marathon, a record for the event.",
            "The course along the seafront was praised for its flat profile.",
        ],
    ),
    (
        "A novel about exile wins the national book prize",
        "culture",
        &["Books"],
        &[
            "The jury praised the novel for its portrait of a family scattered across three continents.",
            "The author, who writes in Arabic and French, said the prize belongs to her translators too.",
        ],
    ),
    (
        "Film festival opens with a restored classic",
        "culture",
        &["Film"],
        &[
            "The festival opened with a restored print of a 1970s classic, screened in the open air.",
            "Over ten days the programme includes more than eighty films from the region.",
        ],
    ),
    (
        "Museum returns artefacts to their city of origin",
        "culture",
        &["Heritage"],
        &[
            "A European museum returned a collection of manuscripts and coins to the city where they were found.",
            "The objects will be shown in a new wing of the local museum next year.",
        ],
    ),
    (
        "How the new voter registration app works",
        "technology",
        &["Elections", "Apps"],
        &[
            "Voters can now check their registration and find their polling station from their phone.",
            "The commission says the app stores no data beyond what is already on the electoral roll.",
        ],
    ),
    (
        "المفوضية تحدد موعد الانتخابات الوطنية",
        "elections",
        &["ليبيا", "الانتخابات"],
        &[
            "أعلنت المفوضية الوطنية العليا للانتخابات يوم الاثنين أن الناخبين سيتوجهون إلى صناديق الاقتراع في الربيع.",
            "أمام المرشحين ستة أسابيع للتسجيل، وقد دُعي مراقبون من عدة منظمات إقليمية.",
        ],
    ),
    (
        "إقبال كبير على الانتخابات البلدية",
        "elections",
        &["الانتخابات", "البلديات"],
        &[
            "أدلى أكثر من نصف الناخبين المسجلين بأصواتهم في الجولة الأولى من الانتخابات البلدية.",
            "اصطفت طوابير أمام المدارس التي تحولت إلى مراكز اقتراع، واستمر الفرز حتى ساعة متأخرة.",
        ],
    ),
    (
        "البرلمان يقر الميزانية بعد أسبوع من النقاش",
        "politics",
        &["الميزانية", "البرلمان"],
        &[
            "وافق النواب على الميزانية العامة بأغلبية ضئيلة بعد تعديلات على الإنفاق في الصحة والتعليم.",
            "وقالت المعارضة إن الخطة تعتمد على توقعات متفائلة لإيرادات النفط.",
        ],
    ),
    (
        "وقف إطلاق النار صامد للأسبوع الثالث",
        "middle-east",
        &["الدبلوماسية", "الأمن"],
        &[
            "صمد وقف هش لإطلاق النار للأسبوع الثالث على التوالي بحسب المراقبين.",
            "ووصلت قوافل المساعدات إلى بلدتين كانتا معزولتين منذ الصيف.",
        ],
    ),
    (
        "قمة إقليمية حول تقاسم المياه",
        "middle-east",
        &["الدبلوماسية", "المياه"],
        &[
            "اجتمع وزراء من خمس دول لبحث إدارة الأنهار المشتركة مع اشتداد الجفاف.",
            "واختُتمت المحادثات بالتزام بتبادل بيانات تدفق الأنهار كل شهر.",
        ],
    ),
    (
        "المصرف المركزي يبقي أسعار الفائدة دون تغيير",
        "business",
        &["الاقتصاد", "المصارف"],
        &[
            "أبقى المصرف المركزي سعر الفائدة الرئيسي دون تغيير مشيرا إلى تراجع التضخم واستقرار العملة.",
            "ويتوقع المحللون خفضا في مطلع العام المقبل إذا استمر تباطؤ الأسعار.",
        ],
    ),
    (
        "توسعة الميناء تعد بآلاف الوظائف",
        "business",
        &["الاقتصاد", "البنية التحتية"],
        &[
            "بدأ العمل في محطة حاويات جديدة يقول المسؤولون إنها ستضاعف طاقة الميناء.",
            "ويمول المشروع تحالف من المصارف المحلية والأجنبية.",
        ],
    ),
    (
        "شركات ناشئة تراهن على البرمجيات العربية",
        "technology",
        &["الشركات الناشئة", "العربية"],
        &[
            "يبني جيل جديد من الشركات أدوات بحث وتعرف على الكلام وترجمة مصممة للغة العربية أولا.",
            "ويقول المستثمرون إن هذه السوق ظلت طويلا دون خدمة كافية.",
        ],
    ),
    (
        "محطة طاقة شمسية تبدأ العمل في الصحراء",
        "technology",
        &["الطاقة", "البنية التحتية"],
        &[
            "بدأت أكبر محطة للطاقة الشمسية في البلاد بتزويد الشبكة بالكهرباء هذا الأسبوع.",
            "ويقول المهندسون إن العواصف الترابية تبقى التحدي الأكبر أمام كفاءة الألواح.",
        ],
    ),
    (
        "النادي المحلي يفوز بالكأس في الوقت الإضافي",
        "sports",
        &["كرة القدم"],
        &[
            "منحت ضربة رأسية في الدقيقة 112 الفريق المضيف أول لقب للكأس منذ عقدين.",
            "واحتفل آلاف المشجعين في الشوارع حتى الفجر.",
        ],
    ),
    (
        "الماراثون يسجل عددا قياسيا من المشاركين",
        "sports",
        &["ألعاب القوى"],
        &["شارك أكثر من عشرة آلاف عداء في ماراثون المدينة، وهو رقم قياسي.", "ولقي المسار المحاذي للبحر إشادة لاستوائه."],
    ),
    (
        "رواية عن المنفى تفوز بالجائزة الوطنية للكتاب",
        "culture",
        &["الكتب"],
        &[
            "أشادت لجنة التحكيم بالرواية لتصويرها عائلة مشتتة بين ثلاث قارات.",
            "وقالت الكاتبة إن الجائزة تعود أيضا إلى مترجميها.",
        ],
    ),
    (
        "مهرجان السينما يفتتح بفيلم كلاسيكي مرمم",
        "culture",
        &["السينما"],
        &[
            "افتُتح المهرجان بنسخة مرممة من فيلم كلاسيكي من السبعينيات عُرض في الهواء الطلق.",
            "ويضم البرنامج على مدى عشرة أيام أكثر من ثمانين فيلما من المنطقة.",
        ],
    ),
    (
        "متحف يعيد قطعا أثرية إلى مدينتها الأصلية",
        "culture",
        &["التراث"],
        &[
            "أعاد متحف أوروبي مجموعة من المخطوطات والعملات إلى المدينة التي عُثر عليها فيها.",
            "وستُعرض القطع في جناح جديد بالمتحف المحلي العام المقبل.",
        ],
    ),
];

pub const PRIVACY_POLICY: &str = "We keep only what the service needs: your email, your display name, your \
password's Argon2id hash, your votes and your collections.\n\n\
## What we do not do\n\n\
We do not sell your data, track you across sites, or show you ads.\n\n\
## Your rights\n\n\
You can change your profile at any time and delete your account from the API \
(`DELETE /api/v1/users/me`); your votes and collections go with it.";
