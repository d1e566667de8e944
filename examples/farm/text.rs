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

// Word pools. Sentences are drawn slot by slot from pools of a hundred or
// so words each, so that two unrelated stories share few word triples
// (what near-duplicate detection compares), as real unrelated stories do;
// a reprint shares nearly all of them. No pool contains a word any topic
// query matches: only the topic phrases above make a story topical.

const RU_SUBJ: &str = "правительство министерство акимат ведомство комиссия агентство совет \
    депутаты эксперты аналитики жители предприниматели специалисты чиновники представители \
    участники руководство администрация прокуратура управление корпорация холдинг ассоциация \
    палата делегация сенат рынок отрасль промышленность торговля производство потребление \
    программа стратегия концепция инициатива постановление соглашение договор меморандум \
    контракт тендер конкурс кодекс регулятор оператор подрядчик застройщик инспекция \
    омбудсмен профсоюз кооператив консорциум инвесторы экспортёры импортёры банки страховщики \
    перевозчики поставщики производители арендаторы собственники волонтёры активисты";
const RU_OBJ: &str = "программу стратегию концепцию инициативу проект план указ решение \
    соглашение договор меморандум контракт налог тариф субсидию кредит грант отчёт доклад \
    прогноз итоги показатели данные меры условия требования правила нормы стандарты сроки \
    объёмы расходы доходы поступления платежи выплаты льготы квоты лицензии разрешения \
    нарушения проверки жалобы обращения заявки предложения поправки изменения механизмы \
    маршруты мощности площадки объекты склады терминалы комплексы кварталы парки рейтинги \
    реестры тендеры аукционы торги цены ставки пошлины штрафы компенсации пособия гарантии";
const RU_GEN: &str = "развития сотрудничества производства потребления экспорта импорта \
    предприятий компаний граждан населения регионов областей районов городов сёл \
    инфраструктуры мостов заводов фабрик рынков услуг товаров цен тарифов налогов пошлин \
    кредитов субсидий грантов программ проектов реформ решений соглашений договоров \
    контрактов мощностей ресурсов кадров работников предпринимателей семей детей пенсионеров \
    застройщиков арендаторов потребителей поставщиков перевозчиков экспортёров банков \
    страховщиков операторов подрядчиков отрасли промышленности торговли строительства \
    жилья коммунальных служб туризма культуры спорта экологии лесов пастбищ рыболовства \
    горнодобычи металлургии химии машиностроения связи почты таможни";
const RU_ADJ: &str = "новый новую новые национальный национальной национальные \
    государственный государственной государственных региональный региональных местных \
    местные международный международного международные крупный крупных малого среднего \
    частного частные совместный совместного долгосрочный долгосрочной дополнительные \
    дополнительных ключевые ключевых основные основных отдельных текущий текущего будущего \
    прошлого ближайшие ближайших экономический экономической социальный социальной \
    финансовый финансовой промышленный промышленной коммунальный коммунальных жилищный \
    жилищной туристический туристической экологический экологической антимонопольный \
    таможенный таможенной налоговый налоговой сельский сельских городской городских \
    областной областного республиканский республиканского приграничный приграничных \
    специальный специальной пилотный пилотного масштабный масштабной";
const RU_VERB: &str = "обсудили рассмотрели одобрили представили раскритиковали поддержали \
    подписали анонсировали предложили изучили утвердили согласовали запустили завершили \
    начали продолжили приостановили отменили перенесли увеличили сократили снизили повысили \
    выделили направили получили передали проверили выявили зафиксировали объявили \
    пересмотрели обновили расширили упростили ужесточили продлили оспорили опубликовали";
const RU_VERB_SG: &str = "обсудил рассмотрел одобрил представил подписал предложил \
    утвердил запустил завершил начал продолжил выделил направил получил проверил выявил \
    объявил раскритиковал поддержал пересмотрел продлил опубликовал";
const RU_VERB_PRES: &str = "планирует рассчитывает продолжает готовит рассматривает \
    обсуждает изучает поддерживает развивает расширяет пересматривает финансирует";
const RU_PREP: &str = "в_рамках в_ходе за_счёт по_итогам после до для при на_фоне в_пользу";
const RU_METRIC: &str = "объём число доля стоимость количество выручка прибыль \
    задолженность оборот выпуск";
const RU_CHANGE: &str = "вырос снизился увеличился сократился";
const RU_PERIOD: &str = "по_сравнению_с_прошлым_годом за_январь–март в_годовом_выражении \
    за_последние_полгода за_первый_квартал за_девять_месяцев";
const RU_SAID: &str = "заявил отметил подчеркнул сообщил добавил уточнил пояснил";
const RU_ROLE: &[&str] = &[
    "министр",
    "вице-министр",
    "аким",
    "заместитель акима",
    "депутат сената",
    "председатель правления",
    "директор департамента",
    "руководитель управления",
    "эксперт",
    "аналитик",
    "представитель пресс-службы",
    "советник",
];
const RU_ORG: &str = "Бюро_национальной_статистики Национального_банка \
    министерства_финансов отраслевой_ассоциации агентства_по_регулированию \
    Счётного_комитета";
const RU_NAME_A: &str = "Нур Бек Сейт Ахмет Жан Ер Кай Сер Тим Мух Аль Бау Ас Дос Ибр \
    Кур Сад Тал Ораз Иса Жак Ержан Сулей Ас Мам Дау Шай";
const RU_NAME_B: &str = "таев баев ханов галиев муханов енов ов ин ко беков жанов \
    шев ишев сеитов ахметов";
const RU_PLACE_A: &str = "Жана Ак Кара Сары Кок Талды Шар Есиль Актас Бес Кызыл Тас \
    Коль Жел Ай Сары Алтын Кен";
const RU_PLACE_B: &str = "арка су коль тобе кент озек булак агаш жар кудук тау сай";

const EN_SUBJ: &str = "government ministry administration agency commission council \
    committee regulator operator contractor developer inspectorate ombudsman union \
    cooperative consortium association chamber delegation senate market sector industry \
    programme strategy initiative resolution agreement treaty memorandum contract tender \
    code court prosecutor bank insurer carrier supplier producer exporter importer \
    landlord tenant volunteer campaign coalition alliance fund authority watchdog";
const EN_OBJ: &str = "programme strategy concept initiative plan decree decision \
    agreement contract tax tariff subsidy loan grant report forecast results indicators \
    data measures conditions requirements rules norms standards deadlines volumes \
    expenses revenues payments benefits quotas licences permits violations inspections \
    complaints requests applications proposals amendments changes mechanisms routes \
    capacities sites facilities warehouses terminals complexes districts parks ratings \
    registers auctions prices rates duties fines compensation allowances guarantees";
const EN_GEN: &str = "development cooperation production consumption exports imports \
    enterprises companies citizens residents regions provinces districts cities villages \
    infrastructure bridges plants factories markets services goods prices tariffs taxes \
    duties loans subsidies grants programmes projects reforms decisions agreements \
    contracts capacity resources staff workers entrepreneurs families children pensioners \
    developers tenants consumers suppliers carriers exporters banks insurers operators \
    contractors industry trade construction housing utilities tourism culture sport \
    ecology forests pastures fisheries mining metallurgy chemicals engineering \
    telecommunications post customs";
const EN_ADJ: &str = "new national state regional local international major small \
    medium private joint long-term additional key main separate current future previous \
    economic social financial industrial municipal housing tourist environmental \
    antitrust customs tax rural urban provincial republican cross-border special pilot \
    large-scale revised annual quarterly mandatory voluntary temporary permanent public";
const EN_VERB: &str = "discussed reviewed approved presented criticised backed signed \
    announced proposed studied adopted agreed launched completed started continued \
    suspended cancelled postponed increased reduced lowered raised allocated sent \
    received transferred inspected identified recorded published revised updated \
    expanded simplified tightened extended challenged";
const EN_VERB_BASE: &str = "discuss review approve present support sign announce propose \
    study adopt launch complete continue suspend increase reduce allocate expand \
    simplify extend revise publish";
const EN_PREP: &str = "in at near for after before across around";
const EN_METRIC: &str = "The_volume The_number The_share The_cost The_output Revenue \
    Profit Debt Turnover";
const EN_CHANGE: &str = "rose fell increased declined";
const EN_PERIOD: &str = "compared_with_last_year in_January–March year_on_year \
    over_the_past_six_months in_the_first_quarter in_nine_months";
const EN_SAID: &str = "said noted stressed told_reporters added explained";
const EN_ROLE: &[&str] = &[
    "minister",
    "deputy minister",
    "mayor",
    "deputy mayor",
    "senator",
    "chief executive",
    "department director",
    "head of the office",
    "expert",
    "analyst",
    "spokesperson",
    "adviser",
];
const EN_ORG: &str = "the_Bureau_of_National_Statistics the_National_Bank \
    the_finance_ministry the_industry_association the_regulatory_agency \
    the_Supreme_Audit_Chamber";
const EN_NAME_A: &str = "Nur Bek Seit Akhmet Zhan Yer Kai Ser Tim Mukh Al Bau As Dos Ibr \
    Kur Sad Tal Oraz Isa Zhak Yerzhan Suley Mam Dau Shai";
const EN_NAME_B: &str = "tayev bayev khanov galiyev mukhanov enov ov in ko bekov zhanov \
    shev ishev seitov akhmetov";
const EN_PLACE_A: &str = "Zhana Ak Kara Sary Kok Taldy Shar Esil Aktas Bes Kyzyl Tas Kol \
    Zhel Ai Altyn Ken";
const EN_PLACE_B: &str = "arka su kol tobe kent ozek bulak agash zhar kuduk tau sai";

/// A pool, split once.
struct Pool(std::sync::LazyLock<Vec<&'static str>>);

macro_rules! pools {
    ($($name:ident = $src:ident;)*) => {
        $(static $name: Pool = Pool(std::sync::LazyLock::new(|| $src.split_whitespace().collect()));)*
    };
}
pools! {
    P_RU_SUBJ = RU_SUBJ; P_RU_OBJ = RU_OBJ; P_RU_GEN = RU_GEN; P_RU_ADJ = RU_ADJ;
    P_RU_VERB = RU_VERB; P_RU_VERB_SG = RU_VERB_SG; P_RU_VERB_PRES = RU_VERB_PRES;
    P_RU_PREP = RU_PREP; P_RU_METRIC = RU_METRIC; P_RU_CHANGE = RU_CHANGE;
    P_RU_PERIOD = RU_PERIOD; P_RU_SAID = RU_SAID; P_RU_ORG = RU_ORG;
    P_RU_NAME_A = RU_NAME_A; P_RU_NAME_B = RU_NAME_B; P_RU_PLACE_A = RU_PLACE_A;
    P_RU_PLACE_B = RU_PLACE_B;
    P_EN_SUBJ = EN_SUBJ; P_EN_OBJ = EN_OBJ; P_EN_GEN = EN_GEN; P_EN_ADJ = EN_ADJ;
    P_EN_VERB = EN_VERB; P_EN_VERB_BASE = EN_VERB_BASE; P_EN_PREP = EN_PREP;
    P_EN_METRIC = EN_METRIC; P_EN_CHANGE = EN_CHANGE; P_EN_PERIOD = EN_PERIOD;
    P_EN_SAID = EN_SAID; P_EN_ORG = EN_ORG; P_EN_NAME_A = EN_NAME_A; P_EN_NAME_B = EN_NAME_B;
    P_EN_PLACE_A = EN_PLACE_A; P_EN_PLACE_B = EN_PLACE_B;
}

impl Pool {
    /// A random word; `_` in pool entries stands for a space.
    fn any(&self, rng: &mut Rng) -> String {
        self.0[rng.below(self.0.len())].replace('_', " ")
    }
}

const RU_HEAD_GENERIC: &[&str] = &[
    "Заседание правительства",
    "Новый закон",
    "Реформа госуправления",
    "Визит делегации",
    "Форум в Астане",
    "Проверка прокуратуры",
    "Жилищная программа",
    "Таможенные правила",
];
const EN_HEAD_GENERIC: &[&str] = &[
    "Cabinet meeting",
    "New law",
    "Civil service reform",
    "Delegation visit",
    "Forum in Astana",
    "Prosecutors' inspection",
    "Housing programme",
    "Customs rules",
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

/// The people, places and company a story is about: names that recur in
/// its sentences and make its word triples its own.
pub struct Cast {
    people: Vec<(String, &'static str)>,
    places: Vec<String>,
    company: String,
}

impl Cast {
    pub fn new(rng: &mut Rng, lang: Lang) -> Cast {
        let (na, nb, pa, pb, roles) = match lang {
            Lang::Ru => (
                &P_RU_NAME_A,
                &P_RU_NAME_B,
                &P_RU_PLACE_A,
                &P_RU_PLACE_B,
                RU_ROLE,
            ),
            Lang::En => (
                &P_EN_NAME_A,
                &P_EN_NAME_B,
                &P_EN_PLACE_A,
                &P_EN_PLACE_B,
                EN_ROLE,
            ),
        };
        let people = (0..3)
            .map(|_| (format!("{}{}", na.any(rng), nb.any(rng)), rng.pick(roles)))
            .collect();
        let places = (0..2)
            .map(|_| format!("{}{}", pa.any(rng), pb.any(rng)))
            .collect();
        let company = format!("{}{}", pa.any(rng), nb.any(rng).to_uppercase());
        Cast {
            people,
            places,
            company,
        }
    }
}

/// A headline.
pub fn title(rng: &mut Rng, lang: Lang, topic: Option<usize>) -> String {
    let cast = Cast::new(rng, lang);
    let head = match (lang, topic) {
        (Lang::Ru, Some(t)) => rng.pick(TOPICS[t].ru_head),
        (Lang::Ru, None) => rng.pick(RU_HEAD_GENERIC),
        (Lang::En, Some(t)) => rng.pick(TOPICS[t].en_head),
        (Lang::En, None) => rng.pick(EN_HEAD_GENERIC),
    };
    let place = &cast.places[0];
    match (lang, rng.below(3)) {
        (Lang::Ru, 0) => format!(
            "{head}: {} {} {} {}",
            P_RU_SUBJ.any(rng),
            place,
            P_RU_VERB.any(rng),
            object(rng, lang, topic)
        ),
        (Lang::Ru, 1) => format!(
            "{head} в {place}: {} {} {}",
            cast.people[0].0,
            P_RU_VERB_SG.any(rng),
            object(rng, lang, topic)
        ),
        (Lang::Ru, _) => format!(
            "{} {} {} {} в {place}",
            upper_first(&P_RU_ADJ.any(rng)),
            P_RU_SUBJ.any(rng),
            P_RU_VERB.any(rng),
            object(rng, lang, topic)
        ),
        (Lang::En, 0) => format!(
            "{head}: {place} {} {} {}",
            P_EN_SUBJ.any(rng),
            P_EN_VERB.any(rng),
            object(rng, lang, topic)
        ),
        (Lang::En, 1) => format!(
            "{head} in {place}: {} {} {}",
            cast.people[0].0,
            P_EN_VERB.any(rng),
            object(rng, lang, topic)
        ),
        (Lang::En, _) => format!(
            "{} {} {} {} in {place}",
            upper_first(&P_EN_ADJ.any(rng)),
            P_EN_SUBJ.any(rng),
            P_EN_VERB.any(rng),
            object(rng, lang, topic)
        ),
    }
}

/// An object phrase: a topic phrase in about half the sentences of a
/// topical story, else an adjective, a noun and a genitive.
fn object(rng: &mut Rng, lang: Lang, topic: Option<usize>) -> String {
    match (lang, topic) {
        (Lang::Ru, Some(t)) if rng.chance(0.5) => rng.pick(TOPICS[t].ru).to_string(),
        (Lang::En, Some(t)) if rng.chance(0.5) => rng.pick(TOPICS[t].en).to_string(),
        (Lang::Ru, _) => format!(
            "{} {} {}",
            P_RU_ADJ.any(rng),
            P_RU_OBJ.any(rng),
            P_RU_GEN.any(rng)
        ),
        (Lang::En, _) => format!(
            "the {} {} of {}",
            P_EN_ADJ.any(rng),
            P_EN_OBJ.any(rng),
            P_EN_GEN.any(rng)
        ),
    }
}

/// One sentence of news prose about `cast`.
pub fn sentence(rng: &mut Rng, lang: Lang, topic: Option<usize>, cast: &Cast) -> String {
    let pct = format!("{},{}", rng.range(1, 40), rng.below(10));
    let (who, role) = &cast.people[rng.below(cast.people.len())];
    let place = &cast.places[rng.below(cast.places.len())];
    let n = rng.range(2, 950);
    match lang {
        Lang::Ru => match rng.below(7) {
            0 | 1 => format!(
                "{} {} {} {} {} {} {}.",
                upper_first(&P_RU_ADJ.any(rng)),
                P_RU_SUBJ.any(rng),
                P_RU_GEN.any(rng),
                P_RU_VERB.any(rng),
                object(rng, lang, topic),
                P_RU_PREP.any(rng),
                P_RU_GEN.any(rng)
            ),
            2 => format!(
                "По словам {who}, {} {} {} {} в {place}.",
                P_RU_SUBJ.any(rng),
                P_RU_GEN.any(rng),
                P_RU_VERB.any(rng),
                object(rng, lang, topic)
            ),
            3 => format!(
                "«{} {} {} {} {} {}», — {} {role} {who}.",
                upper_first(&P_RU_ADJ.any(rng)),
                P_RU_SUBJ.any(rng),
                P_RU_VERB_PRES.any(rng),
                object(rng, lang, topic),
                P_RU_PREP.any(rng),
                P_RU_GEN.any(rng),
                P_RU_SAID.any(rng)
            ),
            4 => format!(
                "По данным {}, {} {} в {place} {} на {pct}% {} и составил {n} млн долларов.",
                P_RU_ORG.any(rng),
                P_RU_METRIC.any(rng).to_lowercase(),
                P_RU_GEN.any(rng),
                P_RU_CHANGE.any(rng),
                P_RU_PERIOD.any(rng)
            ),
            5 => format!(
                "В компании «{}» {} {} {} {}, а также {} {}.",
                cast.company,
                P_RU_VERB.any(rng),
                object(rng, lang, topic),
                P_RU_PREP.any(rng),
                P_RU_GEN.any(rng),
                P_RU_OBJ.any(rng),
                P_RU_GEN.any(rng)
            ),
            _ => format!(
                "{role_cap} {who} {} {} {} {}, а {} {} — {} {}.",
                P_RU_VERB_SG.any(rng),
                object(rng, lang, topic),
                P_RU_PREP.any(rng),
                P_RU_GEN.any(rng),
                P_RU_SUBJ.any(rng),
                P_RU_GEN.any(rng),
                P_RU_OBJ.any(rng),
                P_RU_GEN.any(rng),
                role_cap = upper_first(role)
            ),
        },
        Lang::En => match rng.below(7) {
            0 | 1 => format!(
                "The {} {} of {} {} {} {} {place}.",
                P_EN_ADJ.any(rng),
                P_EN_SUBJ.any(rng),
                P_EN_GEN.any(rng),
                P_EN_VERB.any(rng),
                object(rng, lang, topic),
                P_EN_PREP.any(rng)
            ),
            2 => format!(
                "According to {who}, the {} of {} {} {} in {place}.",
                P_EN_SUBJ.any(rng),
                P_EN_GEN.any(rng),
                P_EN_VERB.any(rng),
                object(rng, lang, topic)
            ),
            3 => format!(
                "\u{201c}The {} {} will {} {} {} {place},\u{201d} {role} {who} {}.",
                P_EN_ADJ.any(rng),
                P_EN_SUBJ.any(rng),
                P_EN_VERB_BASE.any(rng),
                object(rng, lang, topic),
                P_EN_PREP.any(rng),
                P_EN_SAID.any(rng)
            ),
            4 => format!(
                "{} of {} in {place} {} by {}% {} to ${n} million, according to {}.",
                P_EN_METRIC.any(rng),
                P_EN_GEN.any(rng),
                P_EN_CHANGE.any(rng),
                pct.replace(',', "."),
                P_EN_PERIOD.any(rng),
                P_EN_ORG.any(rng)
            ),
            5 => format!(
                "At {}, officials {} {} for {} and {} the {} {} of {}.",
                cast.company,
                P_EN_VERB.any(rng),
                object(rng, lang, topic),
                P_EN_GEN.any(rng),
                P_EN_VERB.any(rng),
                P_EN_ADJ.any(rng),
                P_EN_OBJ.any(rng),
                P_EN_GEN.any(rng)
            ),
            _ => format!(
                "{} {who} {} {}, while the {} of {} {} the {} {}.",
                upper_first(role),
                P_EN_VERB.any(rng),
                object(rng, lang, topic),
                P_EN_SUBJ.any(rng),
                P_EN_GEN.any(rng),
                P_EN_VERB.any(rng),
                P_EN_ADJ.any(rng),
                P_EN_OBJ.any(rng)
            ),
        },
    }
}

/// A story body: paragraphs of 2–5 sentences, `words` words in all.
pub fn paragraphs(rng: &mut Rng, lang: Lang, topic: Option<usize>, words: usize) -> Vec<String> {
    let cast = Cast::new(rng, lang);
    let mut out = Vec::new();
    let mut count = 0;
    while count < words {
        let mut p = String::new();
        for _ in 0..rng.range(2, 5) {
            if !p.is_empty() {
                p.push(' ');
            }
            let s = sentence(rng, lang, topic, &cast);
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

/// A light edit of a text, as a second outlet reprinting a story makes:
/// one word swapped for another.
pub fn edit_sentence(s: &str, lang: Lang, rng: &mut Rng) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    if words.len() < 3 {
        return s.to_string();
    }
    let k = rng.range(1, words.len() - 2);
    let replacement = match lang {
        Lang::Ru => P_RU_GEN.any(rng),
        Lang::En => P_EN_GEN.any(rng),
    };
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[k] = replacement;
    out.join(" ")
}

pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
