//! The generated text of the benchmark: English and Arabic words strung
//! into titles and Markdown bodies with headings, lists and links.

use chrono::{Duration, NaiveDateTime};
use rand::RngExt;
use rand::rngs::StdRng;

use crate::articles::slug;
use crate::articles::write::Text;

const ENGLISH: &[&str] = &[
    "government",
    "parliament",
    "election",
    "minister",
    "economy",
    "market",
    "city",
    "people",
    "report",
    "world",
    "budget",
    "policy",
    "energy",
    "water",
    "school",
    "health",
    "road",
    "port",
    "oil",
    "bank",
    "price",
    "vote",
    "council",
    "court",
    "team",
    "match",
    "season",
    "festival",
    "film",
    "book",
    "museum",
    "science",
    "data",
    "network",
    "startup",
    "farm",
    "river",
    "coast",
    "desert",
    "village",
    "storm",
    "summer",
    "winter",
    "plan",
    "talks",
    "deal",
    "strike",
    "protest",
    "reform",
    "law",
    "tax",
    "trade",
    "export",
    "import",
    "growth",
    "jobs",
    "the",
    "a",
    "of",
    "in",
    "on",
    "and",
    "with",
    "after",
    "before",
    "for",
    "new",
    "old",
    "local",
    "national",
    "announced",
    "said",
    "reported",
    "opened",
    "closed",
    "rose",
    "fell",
    "won",
    "lost",
    "agreed",
    "rejected",
];

const ARABIC: &[&str] = &[
    "الحكومة",
    "البرلمان",
    "الانتخابات",
    "الوزير",
    "الاقتصاد",
    "السوق",
    "المدينة",
    "الناس",
    "تقرير",
    "العالم",
    "الميزانية",
    "السياسة",
    "الطاقة",
    "المياه",
    "المدرسة",
    "الصحة",
    "الطريق",
    "الميناء",
    "النفط",
    "المصرف",
    "الأسعار",
    "التصويت",
    "المجلس",
    "المحكمة",
    "الفريق",
    "المباراة",
    "المهرجان",
    "الفيلم",
    "الكتاب",
    "المتحف",
    "في",
    "من",
    "على",
    "مع",
    "بعد",
    "قبل",
    "جديد",
    "محلي",
    "وطني",
    "أعلن",
    "قال",
    "افتتح",
    "ارتفع",
    "انخفض",
];

fn sentence(rng: &mut StdRng, words: &[&str], length: usize) -> String {
    let mut text: Vec<&str> = Vec::with_capacity(length);
    for _ in 0..length {
        if let Some(word) = words.get(rng.random_range(0..words.len())) {
            text.push(word);
        }
    }
    text.join(" ")
}

/// A Markdown body of about `target` bytes: paragraphs, a heading, a list, a link.
fn body(rng: &mut StdRng, words: &[&str], target: usize) -> String {
    let mut body = String::with_capacity(target + 200);
    let mut paragraph = 0;
    while body.len() < target {
        if paragraph == 2 {
            body.push_str(&format!("## {}\n\n", sentence(rng, words, 4)));
        }
        if paragraph == 4 {
            body.push_str(&format!(
                "- {}\n- {}\n- [{}](https://example.com/{paragraph})\n\n",
                sentence(rng, words, 5),
                sentence(rng, words, 6),
                sentence(rng, words, 2)
            ));
        }
        let length = rng.random_range(40..90);
        body.push_str(&format!("{}.\n\n", sentence(rng, words, length)));
        paragraph += 1;
    }
    body
}

/// One article's worth of generated content; its Markdown is rendered later,
/// on every core at once.
pub struct GeneratedArticle {
    pub slug: String,
    pub title: String,
    pub markdown: String,
    pub published_at: NaiveDateTime,
    pub category_id: i32,
    pub author_id: i32,
    pub tag_ids: Vec<i32>,
}

/// The article at `index` of `count`, from a random state that depends only
/// on the seed. Publication times spread over two years and rise with the
/// index, as on a real site where ids follow publication: each new article
/// then lands at the end of the by-date indexes instead of at a random place,
/// which at a million articles is what keeps seeding linear.
pub fn generate(
    rng: &mut StdRng,
    (index, count): (usize, usize),
    category_ids: &[i32],
    tag_ids: &[i32],
    writers: &[i32],
    now: NaiveDateTime,
) -> GeneratedArticle {
    let words = if index % 5 == 0 { ARABIC } else { ENGLISH };
    let title_length = rng.random_range(4..10);
    let title = sentence(rng, words, title_length);
    let size = rng.random_range(2_000..6_000);
    let body = body(rng, words, size);
    let tag_count = rng.random_range(0..=5);
    let mut chosen_tags: Vec<i32> =
        (0..tag_count).filter_map(|_| tag_ids.get(rng.random_range(0..tag_ids.len().max(1))).copied()).collect();
    chosen_tags.sort_unstable();
    chosen_tags.dedup();
    GeneratedArticle {
        // Unique by construction, so no look-up per article.
        slug: slug::with_suffix(&slug::for_title(&title, 0), u32::try_from(index).unwrap_or(u32::MAX)),
        markdown: body,
        published_at: now - Duration::seconds(published_seconds_ago(rng, index, count)),
        category_id: category_ids.get(rng.random_range(0..category_ids.len().max(1))).copied().unwrap_or(0),
        author_id: writers.get(rng.random_range(0..writers.len().max(1))).copied().unwrap_or(0),
        title,
        tag_ids: chosen_tags,
    }
}

/// Two years for the whole archive, the newest at least a minute old.
fn published_seconds_ago(rng: &mut StdRng, index: usize, count: usize) -> i64 {
    const SPAN: i64 = 2 * 365 * 24 * 3600;
    let count = i64::try_from(count.max(1)).unwrap_or(i64::MAX);
    let newer = i64::try_from(index).unwrap_or(i64::MAX).saturating_add(1).min(count);
    let step = (SPAN / count).max(1);
    60 + (count - newer) * step + rng.random_range(0..step)
}

/// Renders every body into its [`Text`], spread over the cores: rendering
/// and sanitizing are most of the time seeding takes.
pub fn render(markdowns: Vec<String>) -> Result<Vec<Text>, &'static str> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = markdowns.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut markdowns = markdowns.into_iter().peekable();
    while markdowns.peek().is_some() {
        parts.push(markdowns.by_ref().take(per_thread).collect());
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(Text::new).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut texts = Vec::new();
        for worker in workers {
            let rendered = worker.join().map_err(|_| "rendering a generated body panicked")?;
            texts.extend(rendered.map_err(|_| "a generated body nests too deeply")?);
        }
        Ok(texts)
    })
}
