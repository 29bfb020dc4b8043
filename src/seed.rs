//! `newsroom seed-demo`: demo content written for this project, so that a new
//! user sees a living API after two commands. Running it again adds nothing
//! twice; it only gives the demo editor a fresh password.

use chrono::Duration;
use diesel::sqlite::SqliteConnection;
use rand::RngExt;

use crate::articles::db::{self as articles_db, ArticleRef, ArticleStatus};
use crate::articles::write::{self, Draft, Text};
use crate::articles::{markdown, slug};
use crate::auth::password::{self, Password};
use crate::categories::{self, Tree, db::NewCategory};
use crate::cli::CliResult;
use crate::config::Config;
use crate::error::ApiError;
use crate::pages::{self, db::PageRow};
use crate::store;
use crate::time;
use crate::users::db::NewUser;
use crate::users::{Email, Role};

pub const EDITOR_EMAIL: &str = "editor@example.com";

/// (slug, name, parent slug, description)
const CATEGORIES: &[(&str, &str, Option<&str>, &str)] = &[
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
const ARTICLES: &[(&str, &str, &[&str], &[&str])] = &[
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

const PRIVACY_POLICY: &str = "We keep only what the service needs: your email, your display name, your \
password's Argon2id hash, your votes and your collections.\n\n\
## What we do not do\n\n\
We do not sell your data, track you across sites, or show you ads.\n\n\
## Your rights\n\n\
You can change your profile at any time and delete your account from the API \
(`DELETE /api/v1/users/me`); your votes and collections go with it.";

/// What a seeding run did.
pub struct SeedReport {
    pub categories: usize,
    pub articles: usize,
    pub pages: usize,
    pub editor_email: &'static str,
    pub editor_password: String,
}

/// Loads the demo content; safe to run again.
pub fn seed_demo(config: &Config) -> CliResult<SeedReport> {
    let pool = store::connect(&config.database_path)?;
    store::migrate(&pool)?;
    let editor_password = demo_password();
    let password = Password::parse(editor_password.clone(), EDITOR_EMAIL, config.password_min_length)?;
    let password_hash = password::hash_now(&password).map_err(|e| format!("argon2: {e}"))?;
    let mut conn = pool.get()?;
    let report = conn.immediate_transaction(|conn| -> Result<SeedReport, ApiError> {
        let editor_id = upsert_editor(conn, &password_hash)?;
        let categories = seed_categories(conn)?;
        let articles = seed_articles(conn, editor_id)?;
        let pages = seed_pages(conn)?;
        Ok(SeedReport {
            categories,
            articles,
            pages,
            editor_email: EDITOR_EMAIL,
            editor_password: editor_password.clone(),
        })
    })?;
    Ok(report)
}

fn demo_password() -> String {
    let word: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(16).map(char::from).collect();
    format!("demo-{word}")
}

fn upsert_editor(conn: &mut SqliteConnection, password_hash: &str) -> diesel::QueryResult<i32> {
    let email = Email::parse(EDITOR_EMAIL).map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
    if let Some(existing) = crate::users::db::find_by_email_key(conn, &email.key())? {
        crate::users::db::set_password(conn, existing.id, password_hash, None)?;
        return Ok(existing.id);
    }
    let now = time::now();
    let new = NewUser {
        email: email.as_ref(),
        email_key: &email.key(),
        display_name: "Demo Editor",
        password_hash,
        role: Role::Editor,
        created_at: now,
        updated_at: now,
    };
    crate::users::db::insert(conn, &new)?.map(|user| user.id).ok_or(diesel::result::Error::NotFound)
}

fn seed_categories(conn: &mut SqliteConnection) -> Result<usize, ApiError> {
    let mut added = 0;
    for (slug, name, parent, description) in CATEGORIES {
        let tree = Tree::load(conn)?;
        if tree.by_slug(slug).is_some() {
            continue;
        }
        let now = time::now();
        let new = NewCategory {
            slug,
            name,
            description: Some(description),
            parent_id: parent.map(|parent| tree.parent_id(parent)).transpose()?,
            created_at: now,
            updated_at: now,
        };
        categories::db::insert(conn, &new)?;
        added += 1;
    }
    Ok(added)
}

/// The demo articles, through the same rules as the API's; an article whose
/// title's slug exists already was seeded before.
fn seed_articles(conn: &mut SqliteConnection, editor_id: i32) -> Result<usize, ApiError> {
    let mut added = 0;
    let tree = Tree::load(conn)?;
    let count = i64::try_from(ARTICLES.len()).unwrap_or(0);
    for ((title, category, tags, paragraphs), age) in ARTICLES.iter().zip((0..count).rev()) {
        if articles_db::resolve(conn, &ArticleRef::Slug(slug::slugify(title)))?.is_some() {
            continue;
        }
        let draft = Draft {
            title: (*title).to_owned(),
            text: Text::new(paragraphs.join("\n\n")),
            excerpt: None,
            slug: None,
            category: Some((*category).to_owned()),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            status: ArticleStatus::Published,
            published_at: Some(time::now() - Duration::hours(6 * age + 1)),
            cover_image_url: None,
            author_id: Some(editor_id),
        };
        write::create(conn, &tree, draft)?;
        added += 1;
    }
    Ok(added)
}

fn seed_pages(conn: &mut SqliteConnection) -> Result<usize, ApiError> {
    if pages::db::find(conn, "privacy-policy")?.is_some() {
        return Ok(0);
    }
    let now = time::now();
    let page = PageRow {
        slug: "privacy-policy".into(),
        title: "Privacy policy".into(),
        body: PRIVACY_POLICY.into(),
        body_html: markdown::render(PRIVACY_POLICY),
        created_at: now,
        updated_at: now,
    };
    pages::db::put(conn, &page)?;
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_content_is_sound() {
        assert!(ARTICLES.len() >= 30);
        let arabic =
            ARTICLES.iter().filter(|(title, ..)| title.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
        assert!(arabic.count() >= 10);
        for (title, category, ..) in ARTICLES {
            assert!(!slug::slugify(title).is_empty());
            assert!(CATEGORIES.iter().any(|(slug, ..)| slug == category), "{category}");
        }
    }
}
