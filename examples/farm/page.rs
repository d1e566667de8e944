//! Article pages as news sites serve them: the story wrapped in 40–80 KB of
//! chrome.
//!
//! Modelled on the pages of the extraction corpus (Kazakh and Russian news
//! portals, WordPress sites): a head with a dozen stylesheets, critical CSS
//! and JSON-LD; a top bar and a two-level menu of ~70 links; banners; the
//! article with breadcrumbs, share buttons, a figure, an inline "read also"
//! link and tags; a related block with teasers; reader comments; a sidebar
//! of popular and latest headlines; a footer of links and counters; and a
//! large inline state script, as modern front-ends ship. Three templates
//! (`LAYOUTS`) with different class names and nesting, so an extractor
//! cannot succeed by learning one site.

use std::fmt::Write;

use crate::farm::{Article, Charset, Farm, Outlet, esc};
use crate::rng::Rng;
use crate::text::{self, Lang};

/// Number of page templates.
pub const LAYOUTS: usize = 3;

/// The class names and labels one site template uses.
struct Skin {
    article: &'static str,
    body: &'static str,
    meta: &'static str,
    related: &'static str,
    comments: &'static str,
    sidebar: &'static str,
}

const SKINS: [Skin; LAYOUTS] = [
    Skin {
        article: "news-detail",
        body: "news-text",
        meta: "news-meta",
        related: "related-news",
        comments: "comments-block",
        sidebar: "col-md-4 sidebar",
    },
    Skin {
        article: "article",
        body: "article__body js-mediator-article",
        meta: "article__info",
        related: "article__related",
        comments: "article__comments",
        sidebar: "layout__aside",
    },
    Skin {
        article: "post type-post status-publish format-standard hentry",
        body: "entry-content",
        meta: "entry-meta",
        related: "jp-relatedposts",
        comments: "comments-area",
        sidebar: "widget-area",
    },
];

const RU_MENU: &[(&str, &[&str])] = &[
    (
        "Политика",
        &[
            "Внутренняя политика",
            "Внешняя политика",
            "Парламент",
            "Выборы",
        ],
    ),
    (
        "Экономика",
        &["Финансы", "Бизнес", "Недвижимость", "Рынки", "Налоги"],
    ),
    (
        "Общество",
        &["Образование", "Здоровье", "Социальная сфера", "Религия"],
    ),
    ("Происшествия", &["Криминал", "ДТП", "Суд", "ЧС"]),
    (
        "Регионы",
        &[
            "Астана",
            "Алматы",
            "Шымкент",
            "Караганда",
            "Актобе",
            "Атырау",
        ],
    ),
    ("Мир", &["СНГ", "Центральная Азия", "Европа", "Азия", "США"]),
    ("Спорт", &["Футбол", "Хоккей", "Бокс", "Олимпиада"]),
    ("Культура", &["Кино", "Музыка", "Театр", "Книги"]),
    ("Технологии", &["Гаджеты", "Интернет", "Наука"]),
    ("Мнения", &["Колонки", "Интервью", "Блоги"]),
    ("Спецпроекты", &["Лонгриды", "Инфографика", "Тесты"]),
    ("Фото", &[]),
    ("Видео", &[]),
    ("Архив", &[]),
];
const EN_MENU: &[(&str, &[&str])] = &[
    (
        "Nation",
        &["Politics", "Parliament", "Elections", "Diplomacy"],
    ),
    (
        "Business",
        &["Finance", "Companies", "Real estate", "Markets", "Tax"],
    ),
    (
        "Society",
        &["Education", "Health", "Social policy", "Religion"],
    ),
    (
        "Region",
        &[
            "Astana",
            "Almaty",
            "Shymkent",
            "Karaganda",
            "Aktobe",
            "Atyrau",
        ],
    ),
    (
        "World",
        &["CIS", "Central Asia", "Europe", "Asia", "Americas"],
    ),
    ("Sports", &["Football", "Hockey", "Boxing", "Olympics"]),
    ("Culture", &["Cinema", "Music", "Theatre", "Books"]),
    ("Tech", &["Gadgets", "Internet", "Science"]),
    ("Opinion", &["Columns", "Interviews", "Blogs"]),
    ("Special projects", &["Longreads", "Infographics"]),
    ("Photo", &[]),
    ("Video", &[]),
    ("Archive", &[]),
];

/// Renders item `j` of `o` as a full page of 40–80 KB (UTF-8 bytes).
pub fn render(farm: &Farm, o: &Outlet, j: usize, a: &Article) -> String {
    let mut rng = Rng::new(farm.spec.seed, &[5, o.index as u64, j as u64]);
    let target = rng.range(40_000, 80_000);
    let skin = &SKINS[o.layout];
    let ru = o.lang == Lang::Ru;
    let it = &a.item;
    let charset = match o.charset {
        Charset::Utf8 => "utf-8",
        Charset::Cp1251Declared | Charset::Cp1251InDocument => "windows-1251",
    };
    let l = |ru_text: &'static str, en_text: &'static str| if ru { ru_text } else { en_text };

    let mut h = String::with_capacity(target + 4096);
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"{charset}\">\n\
         <title>{title} | {site}</title>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"description\" content=\"{teaser}\">\n\
         <meta property=\"og:type\" content=\"article\">\n\
         <meta property=\"og:title\" content=\"{title}\">\n\
         <meta property=\"og:url\" content=\"{url}\">\n\
         <meta property=\"og:image\" content=\"http://{host}/uploads/2025/03/{j}-cover.jpg\">\n\
         <meta property=\"og:site_name\" content=\"{site}\">\n\
         <meta name=\"author\" content=\"{author}\">\n\
         <meta property=\"article:published_time\" content=\"{published}\">\n\
         <link rel=\"canonical\" href=\"{url}\">\n\
         <link rel=\"icon\" href=\"/favicon.ico\">",
        lang = o.lang.code(),
        title = esc(&it.title),
        site = o.name,
        teaser = esc(&it.teaser),
        url = it.url,
        host = o.host,
        author = a.author,
        published = it.published.to_rfc3339(),
    );
    for (k, name) in [
        "bootstrap",
        "main",
        "fonts",
        "icons",
        "slider",
        "comments",
        "print",
        "custom",
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(
            h,
            "<link rel=\"stylesheet\" href=\"/static/css/{name}.{:08x}.css\" media=\"{}\">",
            rng.next_u64() as u32,
            if k == 6 { "print" } else { "all" }
        );
    }
    h.push_str("<style>");
    for k in 0..40 {
        let _ = write!(
            h,
            ".c{k}{{margin:{}px {}px;padding:{}px;color:#{:06x};font-size:{}px}}",
            rng.below(30),
            rng.below(30),
            rng.below(20),
            rng.next_u64() as u32 & 0xFFFFFF,
            rng.range(11, 24)
        );
    }
    h.push_str("</style>\n");
    let _ = writeln!(
        h,
        "<script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\
         \"@type\":\"NewsArticle\",\"headline\":\"{}\",\"datePublished\":\"{}\",\
         \"author\":{{\"@type\":\"Person\",\"name\":\"{}\"}},\"publisher\":{{\"@type\":\
         \"Organization\",\"name\":\"{}\"}},\"mainEntityOfPage\":\"{}\"}}</script>\n\
         <script async src=\"https://www.googletagmanager.com/gtag/js?id=G-{:X}\"></script>\n\
         <script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}\
         gtag('js',new Date());gtag('config','G-{:X}');\
         (function(m,e,t,r,i,k,a){{m[i]=m[i]||function(){{(m[i].a=m[i].a||[]).push(arguments)}};\
         k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,k.src=r,a.parentNode.insertBefore(k,a)}})\
         (window,document,\"script\",\"https://mc.yandex.ru/metrika/tag.js\",\"ym\");\
         ym({},\"init\",{{clickmap:true,trackLinks:true,accurateTrackBounce:true}});</script>\n\
         </head>",
        esc(&it.title),
        it.published.to_rfc3339(),
        a.author,
        o.name,
        it.url,
        o.index * 7919,
        o.index * 7919,
        10_000_000 + o.index,
    );

    // Top bar and menu.
    let _ = writeln!(
        h,
        "<body class=\"page-article layout-{}\">\n<div class=\"top-bar\"><div class=\"container\">\
         <span class=\"date\">{}</span><span class=\"weather\">{} +{}°</span>\
         <span class=\"rates\">USD {}.{:02} EUR {}.{:02} RUB {}.{:02}</span>\
         <ul class=\"lang-switch\"><li><a href=\"/kz/\">Қаз</a></li><li><a href=\"/ru/\">Рус</a></li>\
         <li><a href=\"/en/\">Eng</a></li></ul></div></div>\n\
         <header class=\"site-header\"><div class=\"container\"><a class=\"logo\" href=\"/\">\
         <img src=\"/static/img/logo.svg\" alt=\"{}\" width=\"180\" height=\"40\"></a>\n\
         <nav class=\"main-menu\" role=\"navigation\"><ul class=\"menu\">",
        o.layout,
        it.published.format("%d.%m.%Y"),
        l("Астана", "Astana"),
        rng.range(1, 30),
        rng.range(440, 520),
        rng.below(100),
        rng.range(480, 560),
        rng.below(100),
        rng.range(4, 6),
        rng.below(100),
        o.name,
    );
    for (k, (section, subs)) in (if ru { RU_MENU } else { EN_MENU }).iter().enumerate() {
        let _ = write!(
            h,
            "<li class=\"menu-item menu-item-{k}{}\"><a href=\"/section-{k}/\">{section}</a>",
            if subs.is_empty() { "" } else { " has-children" }
        );
        if !subs.is_empty() {
            h.push_str("<ul class=\"sub-menu\">");
            for (m, sub) in subs.iter().enumerate() {
                let _ = writeln!(
                    h,
                    "<li class=\"menu-item\"><a href=\"/section-{k}/{m}/\">{sub}</a></li>"
                );
            }
            h.push_str("</ul>");
        }
        h.push_str("</li>\n");
    }
    let _ = writeln!(
        h,
        "</ul></nav>\n<form class=\"search-form\" action=\"/search/\"><input type=\"search\" name=\"q\" \
         placeholder=\"{}\"><button type=\"submit\">{}</button></form>\n\
         <div class=\"header-social\"><a href=\"https://t.me/{site}\">Telegram</a> \
         <a href=\"https://instagram.com/{site}\">Instagram</a> <a href=\"https://facebook.com/{site}\">Facebook</a> \
         <a href=\"https://youtube.com/@{site}\">YouTube</a></div></div></header>\n\
         <div class=\"banner banner-top\"><div id=\"adfox_{}\"></div><script>window.yaContextCb.push(()=>\
         {{Ya.adfoxCode.create({{ownerId:{},containerId:'adfox_{}',params:{{pp:'g',ps:'fmgs',p2:'hpgd'}}}})}})</script></div>",
        l("Поиск по сайту", "Search"),
        l("Найти", "Go"),
        rng.next_u64() as u32,
        rng.below(999_999),
        rng.next_u64() as u32,
        site = o.name,
    );

    // The article.
    let _ = writeln!(
        h,
        "<main class=\"container main\"><div class=\"row\"><div class=\"col-md-8 content\">\n\
         <ol class=\"breadcrumb\"><li><a href=\"/\">{}</a></li><li><a href=\"/section-1/\">{}</a></li>\
         <li class=\"active\">{}</li></ol>\n\
         <article class=\"{}\" id=\"post-{j}\" itemscope itemtype=\"http://schema.org/NewsArticle\">\n\
         <h1 class=\"entry-title\" itemprop=\"headline\">{}</h1>\n\
         <div class=\"{}\"><time datetime=\"{}\" itemprop=\"datePublished\">{}</time> \
         <span class=\"views\">{}</span> <span class=\"author\" itemprop=\"author\">{}</span></div>",
        l("Главная", "Home"),
        l("Экономика", "Business"),
        esc(&it.title),
        skin.article,
        esc(&it.title),
        skin.meta,
        it.published.to_rfc3339(),
        it.published.format("%d.%m.%Y, %H:%M"),
        rng.range(100, 50_000),
        a.author,
    );
    share_buttons(&mut h, &it.url, ru);
    let _ = writeln!(
        h,
        "<figure class=\"wp-caption article-image\"><img src=\"http://{}/uploads/2025/03/{j}-cover.jpg\" \
         alt=\"{}\" width=\"800\" height=\"450\" loading=\"lazy\"><figcaption>{}: {}</figcaption></figure>\n\
         <div class=\"{}\" itemprop=\"articleBody\">",
        o.host,
        esc(&it.title),
        l("Фото", "Photo"),
        o.name,
        skin.body,
    );
    for (k, p) in a.paragraphs.iter().enumerate() {
        if k == 0 {
            let _ = writeln!(h, "<p><strong>{}</strong></p>", esc(p));
        } else {
            let _ = writeln!(h, "<p>{}</p>", esc(p));
        }
        if k == 2 {
            let n = (j + 1) % farm.spec.items.max(1);
            let _ = writeln!(
                h,
                "<p class=\"read-also\"><strong>{}:</strong> <a href=\"{}\">{}</a></p>",
                l("Читайте также", "Read also"),
                o.page_path(n),
                esc(&farm.headline(o, 1000 + n))
            );
        }
        if k == 4 {
            let _ = writeln!(
                h,
                "<div class=\"banner banner-inline\"><ins class=\"adsbygoogle\" data-ad-client=\"ca-pub-{}\" \
                 data-ad-slot=\"{}\"></ins><script>(adsbygoogle=window.adsbygoogle||[]).push({{}});</script></div>",
                rng.next_u64() % 10_000_000_000,
                rng.next_u64() % 1_000_000_000
            );
        }
    }
    h.push_str("</div>\n<div class=\"tags\">");
    h.push_str(l("Теги: ", "Tags: "));
    for k in 0..5 {
        let _ = write!(
            h,
            "<a href=\"/tag/{k}/\" rel=\"tag\">{}</a> ",
            esc(&farm.headline(o, 2000 + k))
                .split_whitespace()
                .next()
                .unwrap_or("news")
        );
    }
    h.push_str("</div>\n");
    share_buttons(&mut h, &it.url, ru);
    h.push_str("</article>\n");

    // Related.
    let _ = writeln!(
        h,
        "<section class=\"{}\"><h2>{}</h2><div class=\"related-list\">",
        skin.related,
        l("Похожие новости", "Related stories")
    );
    for k in 0..8 {
        let n = (j + 2 + k) % farm.spec.items.max(1);
        let mut trng = Rng::new(farm.spec.seed, &[6, o.index as u64, j as u64, k as u64]);
        let _ = writeln!(
            h,
            "<div class=\"related-item\"><a href=\"{path}\"><img src=\"/uploads/thumbs/{n}.jpg\" \
             alt=\"\" width=\"240\" height=\"135\"></a><a class=\"related-title\" href=\"{path}\">{}</a>\
             <p class=\"related-teaser\">{}</p></div>",
            esc(&farm.headline(o, 3000 + n)),
            esc(&text::sentence(
                &mut trng,
                o.lang,
                None,
                &text::Cast::new(&mut Rng::new(farm.spec.seed, &[7, k as u64]), o.lang)
            )),
            path = o.page_path(n),
        );
    }
    h.push_str("</div></section>\n");

    // Sidebar and footer are rendered before the comments so the comments
    // and the state script can fill the page to its target size.
    let mut side = String::with_capacity(16_384);
    let _ = writeln!(
        side,
        "</div>\n<aside class=\"{}\" role=\"complementary\">\n<div class=\"widget widget-popular\"><h3>{}</h3><ul>",
        skin.sidebar,
        l("Популярное", "Most read")
    );
    for k in 0..10 {
        let _ = writeln!(
            side,
            "<li><a href=\"{}\">{}</a><span class=\"views\">{}</span></li>",
            o.page_path((j + 5 + k) % farm.spec.items.max(1)),
            esc(&farm.headline(o, 4000 + k)),
            rng.range(1000, 90_000)
        );
    }
    let _ = writeln!(
        side,
        "</ul></div>\n<div class=\"widget widget-latest\"><h3>{}</h3><ul>",
        l("Последние новости", "Latest news")
    );
    for k in 0..20 {
        let _ = writeln!(
            side,
            "<li><time>{:02}:{:02}</time> <a href=\"{}\">{}</a></li>",
            rng.below(24),
            rng.below(60),
            o.page_path((j + 7 + k) % farm.spec.items.max(1)),
            esc(&farm.headline(o, 5000 + k))
        );
    }
    let _ = writeln!(
        side,
        "</ul></div>\n<div class=\"widget widget-banner\"><div id=\"adfox_side_{}\"></div></div>\n\
         <div class=\"widget widget-subscribe\"><h3>{}</h3><form action=\"/subscribe/\" method=\"post\">\
         <input type=\"email\" name=\"email\" placeholder=\"E-mail\"><button>{}</button></form></div>\n\
         </aside></div></main>\n<footer class=\"site-footer\"><div class=\"container\"><div class=\"row\">",
        rng.next_u64() as u32,
        l("Подпишитесь на рассылку", "Subscribe to our newsletter"),
        l("Подписаться", "Subscribe"),
    );
    for (k, (section, subs)) in (if ru { RU_MENU } else { EN_MENU }).iter().enumerate() {
        let _ = writeln!(
            side,
            "<div class=\"footer-col\"><a href=\"/section-{k}/\">{section}</a><ul>"
        );
        for (m, sub) in subs.iter().enumerate() {
            let _ = write!(side, "<li><a href=\"/section-{k}/{m}/\">{sub}</a></li>");
        }
        side.push_str("</ul></div>\n");
    }
    let _ = writeln!(
        side,
        "</div><p class=\"copyright\">© 2003–2025 {}. {}</p>\
         <div class=\"counters\"><img src=\"https://counter.yadro.ru/hit?t44.1;r;s1920*1080*24;u{}\" \
         width=\"31\" height=\"31\" alt=\"\"><noscript><img src=\"https://mc.yandex.ru/watch/{}\" alt=\"\"></noscript></div>\
         </div></footer>",
        o.name,
        l(
            "Все права защищены. При использовании материалов гиперссылка обязательна. \
             Мнение редакции может не совпадать с мнением авторов.",
            "All rights reserved. Reproduction requires a hyperlink to the source. \
             Opinions of the authors are their own."
        ),
        it.url,
        10_000_000 + o.index,
    );
    let tail = "<script src=\"/static/js/vendor.js\" defer></script>\n\
                <script src=\"/static/js/app.js\" defer></script>\n</body>\n</html>\n";

    // Comments fill about half of what is left; the state script the rest.
    let budget = target.saturating_sub(h.len() + side.len() + tail.len());
    let _ = writeln!(
        h,
        "<section class=\"{}\" id=\"comments\"><h3>{}</h3>\n<ol class=\"comment-list\">",
        skin.comments,
        l("Комментарии", "Comments")
    );
    let comments_end = h.len() + budget / 2;
    let mut n = 0;
    while h.len() < comments_end && n < 60 {
        let (body, who) = text::comment(&mut rng, o.lang);
        let _ = writeln!(
            h,
            "<li class=\"comment\" id=\"comment-{n}\"><div class=\"comment-author\"><img src=\"/avatars/{}.png\" \
             alt=\"\" width=\"40\"> <b>{who}</b></div><time>{} {:02}:{:02}</time>\
             <div class=\"comment-text\"><p>{}</p></div><div class=\"comment-actions\">\
             <a href=\"#reply-{n}\">{}</a> <span class=\"likes\">+{}</span></div></li>",
            rng.below(500),
            it.published.format("%d.%m.%Y"),
            rng.below(24),
            rng.below(60),
            esc(&body),
            l("Ответить", "Reply"),
            rng.below(40),
        );
        n += 1;
    }
    let _ = writeln!(
        h,
        "</ol><form class=\"comment-form\" action=\"/comments/\" method=\"post\"><textarea name=\"text\" \
         placeholder=\"{}\"></textarea><button>{}</button></form></section>",
        l("Ваш комментарий", "Your comment"),
        l("Отправить", "Post")
    );
    h.push_str(&side);

    // The state script: the front-end's copy of the page data.
    h.push_str("<script>window.__INITIAL_STATE__={\"page\":{\"type\":\"article\"},\"feed\":[");
    let state_end = target.saturating_sub(tail.len());
    let mut k = 0;
    while h.len() < state_end {
        let _ = write!(
            h,
            "{{\"id\":{},\"title\":\"{}\",\"url\":\"{}\",\"views\":{},\"rubric\":{}}},",
            k,
            esc(&farm.headline(o, 6000 + k)).replace('"', "'"),
            o.page_path(k % farm.spec.items.max(1)),
            rng.below(100_000),
            rng.below(14)
        );
        k += 1;
    }
    h.push_str("{}]};</script>\n");
    h.push_str(tail);
    h
}

fn share_buttons(h: &mut String, url: &str, ru: bool) {
    let _ = writeln!(
        h,
        "<div class=\"share\"><span>{}</span>\
         <a class=\"share-tg\" href=\"https://t.me/share/url?url={url}\">Telegram</a>\
         <a class=\"share-wa\" href=\"https://wa.me/?text={url}\">WhatsApp</a>\
         <a class=\"share-fb\" href=\"https://www.facebook.com/sharer.php?u={url}\">Facebook</a>\
         <a class=\"share-vk\" href=\"https://vk.com/share.php?url={url}\">VK</a>\
         <a class=\"share-x\" href=\"https://x.com/intent/tweet?url={url}\">X</a></div>",
        if ru {
            "Поделиться:"
        } else {
            "Share:"
        }
    );
}
