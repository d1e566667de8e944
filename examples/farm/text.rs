//! Generated news prose in Russian and English: titles, paragraphs,
//! comments, headlines for the page chrome.
//!
//! The prose is not meant to be read, only to look like news to a content
//! extractor and a classifier: sentences of 10–30 words with commas,
//! quotations and numbers, inflected Russian words (so stemming matters),
//! and topic vocabulary that the farm's ten topic queries match, so that a
//! realistic share of articles (about half) lands in some topic.

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
}

/// A farm topic: its slug, its title and its query in the skeleton's
/// language (a list of words and `word*` prefixes, any of which matches),
/// which the full query language keeps meaning the same.
pub struct TopicDef {
    pub slug: &'static str,
    pub title: &'static str,
    pub query: &'static str,
    /// Object phrases a story about this topic uses (accusative in Russian).
    ru: &'static [&'static str],
    en: &'static [&'static str],
    /// Headline openers.
    ru_head: &'static [&'static str],
    en_head: &'static [&'static str],
}

pub const TOPICS: &[TopicDef] = &[
    TopicDef {
        slug: "mediation",
        title: "Conflict mediation",
        query: "посредни* переговор* урегулирован* перемири* миротвор* mediation mediator* ceasefire negotiat* peacekeep*",
        ru: &[
            "условия перемирия на границе",
            "посредническую миссию в регионе",
            "новый раунд переговоров о демаркации",
            "план урегулирования пограничного конфликта",
            "участие миротворцев в мониторинге",
        ],
        en: &[
            "the terms of a ceasefire on the border",
            "a mediation mission for the region",
            "a new round of negotiations on demarcation",
            "a plan to settle the border conflict through mediators",
            "the role of peacekeepers in monitoring",
        ],
        ru_head: &[
            "Переговоры о перемирии",
            "Посредническая миссия",
            "Мирное урегулирование",
        ],
        en_head: &["Ceasefire talks", "Mediation mission", "Peace negotiations"],
    },
    TopicDef {
        slug: "energy",
        title: "Energy",
        query: "нефт* газопровод* электроэнерг* энергетик* уран* oil pipeline* electricity energy uranium",
        ru: &[
            "план строительства нового газопровода",
            "прогноз добычи нефти на Кашагане",
            "тарифы на электроэнергию для населения",
            "экспорт урана в страны Азии",
            "модернизацию объектов энергетики",
        ],
        en: &[
            "plans for a new gas pipeline",
            "the oil output forecast for Kashagan",
            "electricity tariffs for households",
            "uranium exports to Asian markets",
            "the modernisation of energy infrastructure",
        ],
        ru_head: &[
            "Добыча нефти",
            "Новый газопровод",
            "Тарифы на электроэнергию",
        ],
        en_head: &["Oil output", "New pipeline", "Electricity prices"],
    },
    TopicDef {
        slug: "economy",
        title: "Economy",
        query: "инфляци* тенге ввп инвестиц* бюджет* inflation tenge gdp investment* budget*",
        ru: &[
            "прогноз инфляции на следующий год",
            "курс тенге к доллару",
            "параметры республиканского бюджета",
            "приток прямых иностранных инвестиций",
            "темпы роста ВВП страны",
        ],
        en: &[
            "the inflation forecast for next year",
            "the tenge exchange rate",
            "the parameters of the national budget",
            "inflows of foreign direct investment",
            "the pace of GDP growth",
        ],
        ru_head: &["Инфляция замедлилась", "Курс тенге", "Бюджет на три года"],
        en_head: &["Inflation slows", "Tenge rate", "Budget plan"],
    },
    TopicDef {
        slug: "transport",
        title: "Transport and transit",
        query: "железн* транзит* логистик* авиарейс* автодорог* railway* transit logistics flight* highway*",
        ru: &[
            "строительство железной дороги в Китай",
            "объёмы транзита по Транскаспийскому маршруту",
            "развитие логистических хабов",
            "новые авиарейсы в Европу",
            "ремонт республиканских автодорог",
        ],
        en: &[
            "the construction of a railway to China",
            "transit volumes on the Middle Corridor",
            "the growth of logistics hubs",
            "new flights to Europe",
            "the repair of national highways",
        ],
        ru_head: &["Транзитный коридор", "Новая железная дорога", "Авиарейсы"],
        en_head: &["Transit corridor", "New railway", "Flights resume"],
    },
    TopicDef {
        slug: "agriculture",
        title: "Agriculture",
        query: "зерн* пшениц* урожа* фермер* животновод* grain wheat harvest* farmer* livestock",
        ru: &[
            "экспорт пшеницы в соседние страны",
            "итоги уборки урожая",
            "субсидии для фермеров",
            "программу развития животноводства",
            "закупочные цены на зерно",
        ],
        en: &[
            "wheat exports to neighbouring countries",
            "the results of the harvest",
            "subsidies for farmers",
            "a programme for livestock breeding",
            "purchase prices for grain",
        ],
        ru_head: &["Уборка урожая", "Экспорт зерна", "Поддержка фермеров"],
        en_head: &["Harvest results", "Grain exports", "Farm support"],
    },
    TopicDef {
        slug: "water",
        title: "Water",
        query: "водн* орошени* ледник* засух* паводк* water irrigation glacier* drought* flood*",
        ru: &[
            "распределение водных ресурсов Сырдарьи",
            "модернизацию систем орошения",
            "таяние ледников Тянь-Шаня",
            "меры против весенних паводков",
            "последствия засухи на юге",
        ],
        en: &[
            "the sharing of water from the Syr Darya",
            "the modernisation of irrigation canals",
            "the melting of Tien Shan glaciers",
            "measures against spring floods",
            "the effects of drought in the south",
        ],
        ru_head: &["Водные ресурсы", "Паводки", "Засуха на юге"],
        en_head: &["Water sharing", "Spring floods", "Drought"],
    },
    TopicDef {
        slug: "elections",
        title: "Elections and parliament",
        query: "выбор* избират* мажилис* парламент* референдум* election* voter* parliament* referendum*",
        ru: &[
            "подготовку к выборам в маслихаты",
            "явку избирателей на участках",
            "законопроект о парламенте",
            "итоги республиканского референдума",
            "поправки, принятые мажилисом",
        ],
        en: &[
            "preparations for local elections",
            "voter turnout at polling stations",
            "a bill on the parliament",
            "the results of the national referendum",
            "amendments passed by parliament",
        ],
        ru_head: &["Выборы в маслихаты", "Мажилис принял закон", "Референдум"],
        en_head: &["Local elections", "Parliament passes bill", "Referendum"],
    },
    TopicDef {
        slug: "health",
        title: "Health",
        query: "здравоохранени* больниц* вакцин* врач* эпидеми* health hospital* vaccin* doctor* epidemic*",
        ru: &[
            "строительство новых больниц в регионах",
            "график вакцинации детей",
            "нехватку врачей в сельской местности",
            "реформу системы здравоохранения",
            "эпидемиологическую ситуацию в городе",
        ],
        en: &[
            "the construction of new hospitals",
            "the vaccination schedule for children",
            "the shortage of doctors in rural areas",
            "the reform of public health care",
            "the epidemic situation in the city",
        ],
        ru_head: &["Новые больницы", "Вакцинация", "Реформа здравоохранения"],
        en_head: &["New hospitals", "Vaccination drive", "Health reform"],
    },
    TopicDef {
        slug: "education",
        title: "Education",
        query: "школ* университет* студент* образовани* учител* school* universit* student* education teacher*",
        ru: &[
            "строительство школ в пригородах",
            "гранты для студентов университетов",
            "зарплаты учителей",
            "новые стандарты образования",
            "программу обмена студентами",
        ],
        en: &[
            "the construction of schools in the suburbs",
            "grants for university students",
            "teacher salaries",
            "new standards in education",
            "a student exchange programme",
        ],
        ru_head: &["Новые школы", "Гранты для студентов", "Зарплаты учителей"],
        en_head: &["New schools", "Student grants", "Teacher pay"],
    },
    TopicDef {
        slug: "technology",
        title: "Technology",
        query: "цифров* искусственн* интернет* стартап* технолог* digital artificial internet startup* technolog*",
        ru: &[
            "внедрение искусственного интеллекта в госуслуги",
            "покрытие сельских районов мобильным интернетом",
            "поддержку технологических стартапов",
            "цифровую платформу для бизнеса",
            "развитие центров обработки данных",
        ],
        en: &[
            "the use of artificial intelligence in public services",
            "mobile internet coverage in rural districts",
            "support for technology startups",
            "a digital platform for business",
            "the growth of data centres",
        ],
        ru_head: &["Искусственный интеллект", "Мобильный интернет", "Стартапы"],
        en_head: &["Artificial intelligence", "Mobile internet", "Startups"],
    },
];

const RU_SUBJECTS: &[&str] = &[
    "Представители министерства",
    "Депутаты сената",
    "Эксперты Евразийского банка развития",
    "Власти Астаны",
    "Участники форума",
    "Члены правительства",
    "Аналитики Halyk Finance",
    "Сотрудники акимата",
    "Делегации Казахстана и Узбекистана",
    "Министры стран Центральной Азии",
    "Руководители крупных компаний",
    "Жители Алматинской области",
    "Представители общественных организаций",
    "Члены рабочей группы",
];
const RU_VERBS: &[&str] = &[
    "обсудили",
    "рассмотрели",
    "одобрили",
    "представили",
    "раскритиковали",
    "поддержали",
    "подробно изучили",
    "анонсировали",
    "предложили пересмотреть",
    "вновь подняли вопрос про",
];
const RU_OBJECTS: &[&str] = &[
    "новую программу развития региона",
    "план мероприятий на ближайшие три года",
    "итоги работы за первое полугодие",
    "проект меморандума о сотрудничестве",
    "меры поддержки малого и среднего бизнеса",
    "порядок выдачи разрешений",
    "ход исполнения поручений главы государства",
    "предложения по упрощению процедур",
];
const RU_CIRCUMSTANCES: &[&str] = &[
    "в Астане",
    "в ходе рабочей встречи",
    "на заседании правительства",
    "в среду",
    "на прошлой неделе",
    "в рамках официального визита",
    "в Ташкенте",
    "в Бишкеке",
    "на полях международного форума",
    "в режиме видеоконференции",
    "в Шымкенте",
    "в Караганде",
];
const RU_QUOTES: &[&str] = &[
    "Мы рассчитываем завершить работу до конца года",
    "Это важный шаг для всего региона",
    "Решение принято с учётом мнения жителей",
    "Нам предстоит большая работа, но сроки реальные",
    "Мы видим устойчивый интерес со стороны партнёров",
    "Все обязательства будут выполнены в полном объёме",
];
const RU_SAID: &[&str] = &["заявил", "отметил", "подчеркнул", "сообщил", "добавил"];
const RU_PERSONS: &[&str] = &[
    "министр национальной экономики",
    "аким города",
    "председатель правления компании",
    "депутат сената",
    "представитель пресс-службы ведомства",
    "эксперт Института мировой экономики и политики",
    "вице-министр иностранных дел",
];
const RU_METRICS: &[&str] = &[
    "объём производства",
    "число обращений граждан",
    "средняя заработная плата",
    "товарооборот между странами",
    "количество туристов",
    "объём кредитования",
];
const RU_CHANGES: &[&str] = &["вырос", "снизился", "увеличился", "сократился"];
const RU_PERIODS: &[&str] = &[
    "по сравнению с прошлым годом",
    "за январь–март",
    "в годовом выражении",
    "за последние полгода",
];
const RU_ORGS: &[&str] = &[
    "Бюро национальной статистики",
    "Национального банка",
    "министерства финансов",
    "отраслевой ассоциации",
];
const RU_HEAD_GENERIC: &[&str] = &[
    "Заседание правительства",
    "Новый закон",
    "Реформа госуправления",
    "Визит делегации",
    "Форум в Астане",
    "Проверка прокуратуры",
];

const EN_SUBJECTS: &[&str] = &[
    "Officials from the ministry",
    "Members of the Senate",
    "Analysts at the Eurasian Development Bank",
    "The Astana city administration",
    "Participants of the forum",
    "The government",
    "Economists at Halyk Finance",
    "Delegations from Kazakhstan and Uzbekistan",
    "Foreign ministers of Central Asian states",
    "Executives of major companies",
    "Residents of the Almaty region",
    "Members of the working group",
];
const EN_VERBS: &[&str] = &[
    "discussed",
    "reviewed",
    "approved",
    "presented",
    "criticised",
    "backed",
    "studied in detail",
    "announced",
    "proposed to revise",
    "raised again the question of",
];
const EN_OBJECTS: &[&str] = &[
    "a new regional development programme",
    "an action plan for the next three years",
    "the results of the first half of the year",
    "a draft memorandum of cooperation",
    "support measures for small and medium businesses",
    "the procedure for issuing permits",
    "progress on the president's instructions",
    "proposals to simplify procedures",
];
const EN_CIRCUMSTANCES: &[&str] = &[
    "in Astana",
    "during a working meeting",
    "at a cabinet meeting",
    "on Wednesday",
    "last week",
    "during an official visit",
    "in Tashkent",
    "in Bishkek",
    "on the sidelines of an international forum",
    "by video link",
    "in Shymkent",
    "in Karaganda",
];
const EN_QUOTES: &[&str] = &[
    "We expect to finish the work by the end of the year",
    "This is an important step for the whole region",
    "The decision takes the views of residents into account",
    "There is a lot of work ahead, but the deadlines are realistic",
    "We see steady interest from our partners",
    "All commitments will be met in full",
];
const EN_SAID: &[&str] = &["said", "noted", "stressed", "told reporters", "added"];
const EN_PERSONS: &[&str] = &[
    "the minister of national economy",
    "the city's mayor",
    "the company's chief executive",
    "a member of the Senate",
    "a spokesperson for the ministry",
    "an analyst at the Institute of World Economics and Politics",
    "the deputy foreign minister",
];
const EN_METRICS: &[&str] = &[
    "Industrial output",
    "The number of citizen requests",
    "The average wage",
    "Trade between the two countries",
    "The number of tourists",
    "Bank lending",
];
const EN_CHANGES: &[&str] = &["rose", "fell", "increased", "declined"];
const EN_PERIODS: &[&str] = &[
    "compared with last year",
    "in January–March",
    "year on year",
    "over the past six months",
];
const EN_ORGS: &[&str] = &[
    "the Bureau of National Statistics",
    "the National Bank",
    "the finance ministry",
    "the industry association",
];
const EN_HEAD_GENERIC: &[&str] = &[
    "Cabinet meeting",
    "New law",
    "Civil service reform",
    "Delegation visit",
    "Forum in Astana",
    "Prosecutors' inspection",
];

const RU_COMMENTS: &[&str] = &[
    "Наконец-то!",
    "А что с ценами на бензин?",
    "Опять одни обещания.",
    "Спасибо за статью, очень познавательно.",
    "Посмотрим, что будет через год.",
    "У нас в районе ничего не изменилось.",
    "Хорошая новость, если это правда.",
    "Кто за это будет платить?",
    "Давно пора было этим заняться.",
    "Интересно, а сроки кто-нибудь проверит?",
];
const EN_COMMENTS: &[&str] = &[
    "Finally!",
    "What about fuel prices?",
    "Promises again.",
    "Thanks for the article, very informative.",
    "Let's see what happens in a year.",
    "Nothing has changed in our district.",
    "Good news, if it is true.",
    "Who is going to pay for this?",
    "This should have been done long ago.",
    "I wonder if anyone will check the deadlines.",
];
const RU_NAMES: &[&str] = &[
    "Айгерим",
    "Ержан",
    "Марат",
    "Динара",
    "Сергей",
    "Асель",
    "Нурлан",
    "Ольга",
    "Бауыржан",
];
const EN_NAMES: &[&str] = &[
    "Aigerim", "Yerzhan", "Marat", "Dinara", "Sergey", "Assel", "Nurlan", "Olga", "John",
];

/// Picks the topic of a new story: about half of all stories belong to one
/// of the ten topics, the rest to none.
pub fn story_topic(rng: &mut Rng) -> Option<usize> {
    if rng.chance(0.5) {
        Some(rng.below(TOPICS.len()))
    } else {
        None
    }
}

/// A headline.
pub fn title(rng: &mut Rng, lang: Lang, topic: Option<usize>) -> String {
    let (head, place, subject, verb, object) = match lang {
        Lang::Ru => (
            match topic {
                Some(t) => rng.pick(TOPICS[t].ru_head),
                None => rng.pick(RU_HEAD_GENERIC),
            },
            rng.pick(RU_CIRCUMSTANCES),
            rng.pick(RU_SUBJECTS),
            rng.pick(RU_VERBS),
            object(rng, lang, topic),
        ),
        Lang::En => (
            match topic {
                Some(t) => rng.pick(TOPICS[t].en_head),
                None => rng.pick(EN_HEAD_GENERIC),
            },
            rng.pick(EN_CIRCUMSTANCES),
            rng.pick(EN_SUBJECTS),
            rng.pick(EN_VERBS),
            object(rng, lang, topic),
        ),
    };
    let n = rng.range(2, 98);
    match rng.below(3) {
        0 => format!("{head}: {} {verb} {object}", lower_first(subject)),
        1 => format!("{head} {place}: {n} {}", unit(lang, rng)),
        _ => format!("{subject} {verb} {object} {place}"),
    }
}

fn unit(lang: Lang, rng: &mut Rng) -> &'static str {
    match lang {
        Lang::Ru => rng.pick(&["новых проекта", "процента за год", "вопроса на повестке"]),
        Lang::En => rng.pick(&["new projects", "per cent in a year", "items on the agenda"]),
    }
}

fn object(rng: &mut Rng, lang: Lang, topic: Option<usize>) -> &'static str {
    // A topical story mentions its topic in about half its sentences.
    match (lang, topic) {
        (Lang::Ru, Some(t)) if rng.chance(0.5) => rng.pick(TOPICS[t].ru),
        (Lang::En, Some(t)) if rng.chance(0.5) => rng.pick(TOPICS[t].en),
        (Lang::Ru, _) => rng.pick(RU_OBJECTS),
        (Lang::En, _) => rng.pick(EN_OBJECTS),
    }
}

/// One sentence of news prose.
pub fn sentence(rng: &mut Rng, lang: Lang, topic: Option<usize>) -> String {
    let pct = format!("{},{}", rng.range(1, 40), rng.below(10));
    match lang {
        Lang::Ru => match rng.below(6) {
            0 | 1 => format!(
                "{} {} {} {}.",
                rng.pick(RU_SUBJECTS),
                rng.pick(RU_VERBS),
                object(rng, lang, topic),
                rng.pick(RU_CIRCUMSTANCES)
            ),
            2 => format!(
                "Как сообщает пресс-служба ведомства, {} {} {}.",
                lower_first(rng.pick(RU_SUBJECTS)),
                rng.pick(RU_VERBS),
                object(rng, lang, topic)
            ),
            3 => format!(
                "«{}», — {} {}.",
                rng.pick(RU_QUOTES),
                rng.pick(RU_SAID),
                rng.pick(RU_PERSONS)
            ),
            4 => format!(
                "По данным {}, {} {} на {pct}% {}.",
                rng.pick(RU_ORGS),
                lower_first(rng.pick(RU_METRICS)),
                rng.pick(RU_CHANGES),
                rng.pick(RU_PERIODS)
            ),
            _ => format!(
                "{}, {} {} {}, а также {}.",
                upper_first(rng.pick(RU_CIRCUMSTANCES)),
                lower_first(rng.pick(RU_SUBJECTS)),
                rng.pick(RU_VERBS),
                object(rng, lang, topic),
                object(rng, lang, topic)
            ),
        },
        Lang::En => match rng.below(6) {
            0 | 1 => format!(
                "{} {} {} {}.",
                rng.pick(EN_SUBJECTS),
                rng.pick(EN_VERBS),
                object(rng, lang, topic),
                rng.pick(EN_CIRCUMSTANCES)
            ),
            2 => format!(
                "According to the ministry's press office, {} {} {}.",
                lower_first(rng.pick(EN_SUBJECTS)),
                rng.pick(EN_VERBS),
                object(rng, lang, topic)
            ),
            3 => format!(
                "\u{201c}{},\u{201d} {} {}.",
                rng.pick(EN_QUOTES),
                rng.pick(EN_PERSONS),
                rng.pick(EN_SAID)
            ),
            4 => format!(
                "{} {} by {}% {}, according to {}.",
                rng.pick(EN_METRICS),
                rng.pick(EN_CHANGES),
                pct.replace(',', "."),
                rng.pick(EN_PERIODS),
                rng.pick(EN_ORGS)
            ),
            _ => format!(
                "{}, {} {} {}, as well as {}.",
                upper_first(rng.pick(EN_CIRCUMSTANCES)),
                lower_first(rng.pick(EN_SUBJECTS)),
                rng.pick(EN_VERBS),
                object(rng, lang, topic),
                object(rng, lang, topic)
            ),
        },
    }
}

/// A story body: paragraphs of 2–5 sentences, `words` words in all.
pub fn paragraphs(rng: &mut Rng, lang: Lang, topic: Option<usize>, words: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut count = 0;
    while count < words {
        let mut p = String::new();
        for _ in 0..rng.range(2, 5) {
            if !p.is_empty() {
                p.push(' ');
            }
            let s = sentence(rng, lang, topic);
            count += s.split_whitespace().count();
            p.push_str(&s);
        }
        out.push(p);
    }
    out
}

/// A reader's comment and its author's name.
pub fn comment(rng: &mut Rng, lang: Lang) -> (String, &'static str) {
    let (pool, names) = match lang {
        Lang::Ru => (RU_COMMENTS, RU_NAMES),
        Lang::En => (EN_COMMENTS, EN_NAMES),
    };
    let mut text = String::new();
    for _ in 0..rng.range(1, 4) {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(rng.pick(pool));
    }
    (text, rng.pick(names))
}

/// A light edit of a sentence, as a second outlet reprinting a story makes:
/// a synonym swapped, a clause reworded.
pub fn edit_sentence(s: &str, lang: Lang, rng: &mut Rng) -> String {
    let swaps: &[(&str, &str)] = match lang {
        Lang::Ru => &[
            ("обсудили", "обсуждали"),
            ("сообщил", "рассказал"),
            ("в среду", "накануне"),
            ("представили", "презентовали"),
            ("Власти Астаны", "Столичные власти"),
        ],
        Lang::En => &[
            ("discussed", "talked over"),
            ("said", "told journalists"),
            ("on Wednesday", "on the eve"),
            ("presented", "unveiled"),
            ("The government", "The cabinet"),
        ],
    };
    let (from, to) = swaps[rng.below(swaps.len())];
    s.replacen(from, to, 1)
}

pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
