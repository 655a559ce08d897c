"""The demo company's vocabulary: names, places, products and Intacct's managed lists.

Plain data and small text helpers of the demo generators; nothing here touches a store.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from dataclasses import dataclass
from datetime import date

from mapsync.engine.record import Record

# -- vocabulary --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Locale:
    """Names, places and formats of one country; pool entries may carry `display|ascii`."""

    code: str
    country: str
    country_code: str
    currency: str
    location: str
    territory: str
    phone: str
    tld: str
    firsts: tuple[str, ...]
    lasts: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # city, state, zip pattern ('#' = digit)
    streets: tuple[str, ...]
    patterns: tuple[str, ...]  # company names from {last} and {word}
    words: tuple[str, ...]
    titles: tuple[str, ...]
    message: str


LOCALES: tuple[Locale, ...] = (
    Locale(
        "en_US", "United States", "US", "USD", "US-NYC", "NA-E", "+1 ### 555 ####", "com",
        ("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda",
         "William", "Elizabeth", "Daniel", "Sarah", "Christopher", "Jessica", "Joseph", "Ashley",
         "Thomas", "Amanda", "Kevin", "Laura"),
        ("Smith", "Carter", "Brooks", "Hughes", "Walker", "Bennett", "Foster", "Reed",
         "Hayes", "Coleman", "Sullivan", "Griffin", "Turner", "Parker", "Collins", "Morgan",
         "Murphy", "Price", "Ward", "Barnes"),
        (("New York", "NY", "100##"), ("Chicago", "IL", "606##"), ("Austin", "TX", "787##"),
         ("Seattle", "WA", "981##"), ("Boston", "MA", "021##"), ("Denver", "CO", "802##")),
        ("{n} Main Street", "{n} Oak Avenue", "{n} Market Street", "{n} Lakeview Drive"),
        ("{last} {word} Inc.", "{last} {word} LLC", "{last} & Sons {word}", "{last} {word} Co."),
        ("Logistics", "Manufacturing", "Analytics", "Foods", "Engineering", "Health",
         "Energy", "Media", "Robotics", "Outdoor", "Textiles", "Consulting"),
        ("Chief Financial Officer", "Purchasing Manager", "Operations Director", "IT Manager"),
        "Thank you for your business.",
    ),
    Locale(
        "fr", "France", "FR", "EUR", "EU-PAR", "EMEA-W", "+33 1 ## ## ## ##", "fr",
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Gabriel", "Manon", "Lucas", "Inès",
         "Théo", "Élise", "Mathieu", "Sarah", "Nathan", "Juliette", "Antoine", "Clara", "Julien",
         "Margaux", "Nicolas"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Rousseau",
         "Fontaine", "Chevalier", "Mercier", "Garnier", "Lambert", "Bonnet", "François", "Legrand",
         "Gauthier", "Perrin", "Robin", "Clément"),
        (("Paris", "Île-de-France", "750##"), ("Lyon", "Auvergne-Rhône-Alpes", "690##"),
         ("Marseille", "Provence-Alpes-Côte d'Azur", "130##"), ("Toulouse", "Occitanie", "310##"),
         ("Nantes", "Pays de la Loire", "440##"), ("Bordeaux", "Nouvelle-Aquitaine", "330##")),
        ("{n} rue de la République", "{n} avenue Victor Hugo", "{n} boulevard Haussmann",
         "{n} rue des Lilas"),
        ("{last} {word} SARL", "{word} {last} SA", "Groupe {last} {word}", "{last} et Fils {word}"),
        ("Logistique", "Industries", "Conseil", "Distribution", "Énergie", "Bâtiment",
         "Alimentaire", "Transports", "Informatique", "Santé", "Textile", "Ingénierie"),
        ("Directrice financière", "Responsable des achats", "Directeur des opérations",
         "Responsable informatique"),
        "Merci de votre confiance.",
    ),
    Locale(
        "de", "Germany", "DE", "EUR", "EU-MUC", "EMEA-C", "+49 ## #######", "de",
        ("Anna", "Lukas", "Sophie", "Jonas", "Lena", "Felix", "Marie", "Paul", "Hannah",
         "Maximilian", "Jürgen", "Sabine", "Thomas", "Katharina", "Stefan", "Julia", "Andreas",
         "Laura", "Michael", "Claudia"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer",
         "Koch", "Richter", "Wagner", "Krüger", "Zimmermann", "Braun", "Hartmann", "Lange",
         "Schmitt", "Werner", "Krause", "Meier"),
        (("München", "Bayern", "80###"), ("Berlin", "Berlin", "10###"),
         ("Hamburg", "Hamburg", "20###"), ("Köln", "Nordrhein-Westfalen", "50###"),
         ("Stuttgart", "Baden-Württemberg", "70###"), ("Leipzig", "Sachsen", "04###")),
        ("Hauptstraße {n}", "Bahnhofstraße {n}", "Lindenweg {n}", "Industriestraße {n}"),
        ("{last} {word} GmbH", "{last} {word} AG", "{last} & Partner {word} KG",
         "{word} {last} GmbH & Co. KG"),
        ("Logistik", "Maschinenbau", "Elektrotechnik", "Lebensmittel", "Bauwerke",
         "Medizintechnik", "Software", "Druckerei", "Metallbau", "Energietechnik", "Möbelwerk",
         "Textil"),
        ("Leiterin Finanzen", "Einkaufsleiter", "Geschäftsführer", "IT-Leiterin"),
        "Vielen Dank für Ihren Auftrag.",
    ),
    Locale(
        "es", "Spain", "ES", "EUR", "EU-MAD", "EMEA-S", "+34 91 ### ## ##", "es",
        ("Lucía", "Hugo", "Sofía", "Martín", "Paula", "Pablo", "Carmen", "Javier", "Elena",
         "Alejandro", "María", "Sergio", "Daniel", "Laura", "David", "Marta", "Jorge", "Andrea",
         "Carlos", "Isabel"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
         "Pérez", "Gómez", "Ruiz", "Jiménez", "Navarro", "Díaz", "Moreno", "Muñoz", "Álvarez",
         "Romero", "Torres", "Domínguez", "Vázquez"),
        (("Madrid", "Madrid", "280##"), ("Barcelona", "Cataluña", "080##"),
         ("Valencia", "Comunidad Valenciana", "460##"), ("Sevilla", "Andalucía", "410##"),
         ("Bilbao", "País Vasco", "480##"), ("Zaragoza", "Aragón", "500##")),
        ("Calle Mayor {n}", "Avenida de la Constitución {n}", "Calle de Alcalá {n}",
         "Paseo de Gracia {n}"),
        ("{last} {word} S.L.", "{word} {last} S.A.", "Grupo {last} {word}",
         "{last} y Asociados {word}"),
        ("Logística", "Construcciones", "Alimentación", "Consultoría", "Energía", "Transportes",
         "Ingeniería", "Distribuciones", "Tecnología", "Salud", "Textil", "Servicios"),
        ("Directora financiera", "Jefe de compras", "Director de operaciones",
         "Responsable de sistemas"),
        "Gracias por su confianza.",
    ),
    Locale(
        "it", "Italy", "IT", "EUR", "EU-MIL", "EMEA-S", "+39 02 #### ####", "it",
        ("Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Lorenzo", "Sara", "Matteo",
         "Elena", "Davide", "Martina", "Luca", "Andrea", "Valentina", "Simone", "Alessia",
         "Federico", "Giorgia", "Stefano", "Anna"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano",
         "Rizzo", "Lombardi", "Moretti"),
        (("Milano", "Lombardia", "201##"), ("Roma", "Lazio", "001##"),
         ("Torino", "Piemonte", "101##"), ("Bologna", "Emilia-Romagna", "401##"),
         ("Firenze", "Toscana", "501##"), ("Napoli", "Campania", "801##")),
        ("Via Roma {n}", "Corso Italia {n}", "Via Garibaldi {n}", "Viale Europa {n}"),
        ("{last} {word} S.p.A.", "{last} {word} S.r.l.", "{word} {last} & C.",
         "Gruppo {last} {word}"),
        ("Logistica", "Meccanica", "Alimentari", "Costruzioni", "Energia", "Trasporti",
         "Informatica", "Tessile", "Arredamenti", "Farmaceutici", "Impianti", "Servizi"),
        ("Direttrice finanziaria", "Responsabile acquisti", "Direttore operativo",
         "Responsabile IT"),
        "Grazie per la fiducia.",
    ),
    Locale(
        "ja", "Japan", "JP", "JPY", "JP-TYO", "APAC-JP", "+81 3-####-####", "co.jp",
        ("翔太|Shota", "陽菜|Hina", "蓮|Ren", "結衣|Yui", "大翔|Hiroto", "美咲|Misaki", "健|Ken",
         "花子|Hanako", "拓海|Takumi", "さくら|Sakura", "直樹|Naoki", "愛|Ai", "悠斗|Yuto",
         "葵|Aoi", "大輝|Daiki", "七海|Nanami", "颯太|Sota", "真央|Mao", "誠|Makoto", "由美|Yumi"),
        ("佐藤|Sato", "鈴木|Suzuki", "高橋|Takahashi", "田中|Tanaka", "伊藤|Ito", "渡辺|Watanabe",
         "山本|Yamamoto", "中村|Nakamura", "小林|Kobayashi", "加藤|Kato", "吉田|Yoshida",
         "山田|Yamada", "山口|Yamaguchi", "松本|Matsumoto", "井上|Inoue", "木村|Kimura",
         "林|Hayashi", "清水|Shimizu", "山崎|Yamazaki", "森|Mori"),
        (("東京", "東京都", "100-00##"), ("大阪", "大阪府", "530-00##"),
         ("名古屋", "愛知県", "450-00##"), ("横浜", "神奈川県", "220-00##"),
         ("福岡", "福岡県", "810-00##"), ("札幌", "北海道", "060-00##")),
        ("中央{n}-2-3", "丸の内{n}-1-1", "本町{n}-4-5", "栄{n}-3-8"),
        ("株式会社{last}{word}", "{last}{word}株式会社", "{last}{word}工業株式会社",
         "有限会社{last}{word}"),
        ("物流|butsuryu", "製作所|seisakusho", "電機|denki", "食品|shokuhin", "商事|shoji",
         "建設|kensetsu", "精機|seiki", "薬品|yakuhin", "通信|tsushin", "化学|kagaku",
         "技研|giken", "産業|sangyo"),
        ("経理部長", "購買課長", "営業部長", "情報システム課長"),
        "毎度ありがとうございます。",
    ),
)
# Which locale each customer gets, by customer number modulo 10 (mostly US and Europe).
SCHEDULE = (0, 0, 2, 1, 0, 3, 2, 4, 5, 0)
CURRENCY_RATE = {"USD": 1.0, "EUR": 0.92, "JPY": 150.0}


def display(entry: str) -> str:
    """The shown text of a vocabulary entry (`山田|Yamada` -> `山田`)."""
    return entry.split("|", 1)[0]


@functools.lru_cache(maxsize=4096)
def ascii_of(entry: str) -> str:
    """A plain ASCII spelling (`山田|Yamada` -> `Yamada`, `Müller` -> `Muller`)."""
    if "|" in entry:
        return entry.split("|", 1)[1]
    folded = unicodedata.normalize("NFKD", entry).encode("ascii", "ignore").decode("ascii")
    return folded


@functools.lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """Lower-case letters and digits only, for e-mail addresses and domains."""
    return "".join(ch for ch in ascii_of(text).lower() if ch.isalnum())


def fill(rng: random.Random, pattern: str) -> str:
    """Replace each `#` of a phone or postcode pattern by a random digit."""
    width = pattern.count("#")
    digits = iter(f"{rng.getrandbits(64) % 10**width:0{width}d}")
    return "".join(next(digits) if ch == "#" else ch for ch in pattern)


def money(value: float, currency: str = "USD") -> float:
    """Round an amount as the currency is quoted (whole yen, cents otherwise)."""
    return float(round(value)) if currency == "JPY" else round(value, 2)


def in_currency(usd: float, currency: str) -> float:
    """A USD list price expressed in `currency`."""
    return money(usd * CURRENCY_RATE[currency], currency)


# -- managed lists -----------------------------------------------------------------------

AR_TERMS: tuple[Record, ...] = (
    {"NAME": "Net 30", "DESCRIPTION": "Payment due 30 days after the invoice date",
     "DUEDATE": 30, "DUEFROM": "from invoice/bill date"},
    {"NAME": "Net 15", "DESCRIPTION": "Payment due 15 days after the invoice date",
     "DUEDATE": 15, "DUEFROM": "from invoice/bill date"},
    {"NAME": "Net 45", "DESCRIPTION": "Payment due 45 days after the invoice date",
     "DUEDATE": 45, "DUEFROM": "from invoice/bill date"},
    {"NAME": "Net 60", "DESCRIPTION": "Payment due 60 days after the invoice date",
     "DUEDATE": 60, "DUEFROM": "from invoice/bill date"},
    {"NAME": "Due on receipt", "DESCRIPTION": "Payment due when the invoice is received",
     "DUEDATE": 0, "DUEFROM": "from invoice/bill date"},
    {"NAME": "2% 10 Net 30", "DESCRIPTION": "2% discount if paid within 10 days, else net 30",
     "DUEDATE": 30, "DUEFROM": "from invoice/bill date", "DISCDATE": 10,
     "DISCFROM": "from invoice/bill date", "DISCAMOUNT": 2, "DISCPERCAMN": "%",
     "DISCCALCON": "Invoice total"},
    {"NAME": "Net 30 EOM", "DESCRIPTION": "Payment due 30 days after the end of the month",
     "DUEDATE": 30, "DUEFROM": "of next month from invoice/bill date"},
    {"NAME": "Net 90", "DESCRIPTION": "Extended terms for public-sector customers",
     "DUEDATE": 90, "DUEFROM": "from invoice/bill date", "STATUS": "inactive"},
)
# Terms customers get; "Net 90" is the newest, added after the last sync to Salesforce.
CUSTOMER_TERMS = ("Net 30", "Net 30", "Net 15", "Net 45", "Net 60", "2% 10 Net 30",
                  "Net 30 EOM", "Due on receipt")
TERM_DAYS = {str(t["NAME"]): int(t["DUEDATE"]) for t in AR_TERMS}

BILLING_TEMPLATES: tuple[Record, ...] = (
    {"NAME": "Straight line monthly", "METHOD": "Straight line",
     "DESCRIPTION": "Equal monthly amounts over the contract term"},
    {"NAME": "Quarterly in advance", "METHOD": "Exact days per period",
     "DESCRIPTION": "Billed at the start of each quarter"},
    {"NAME": "Milestones 50/50", "METHOD": "Percent Completed",
     "DESCRIPTION": "Half at kick-off, half at go-live"},
    {"NAME": "Usage based", "METHOD": "Quantity Based",
     "DESCRIPTION": "Billed on metered usage"},
)
CLASSES: tuple[Record, ...] = (
    {"CLASSID": "PRD", "NAME": "Products", "DESCRIPTION": "Hardware and software products"},
    {"CLASSID": "HW", "NAME": "Hardware", "PARENTID": "PRD"},
    {"CLASSID": "SW", "NAME": "Software", "PARENTID": "PRD"},
    {"CLASSID": "SUB", "NAME": "Subscriptions", "DESCRIPTION": "Recurring cloud services"},
    {"CLASSID": "SRV", "NAME": "Services", "DESCRIPTION": "Professional services"},
)
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("ADM", "Administration"), ("SAL", "Sales"), ("SVC", "Professional Services"),
    ("SUP", "Customer Support"), ("ENG", "Engineering"), ("FIN", "Finance"),
    ("MKT", "Marketing"),
)
ENTITIES: tuple[tuple[str, str, str], ...] = (
    ("US", "Brightwater Instruments Inc.", "USD"),
    ("EU", "Brightwater Instruments GmbH", "EUR"),
    ("JP", "Brightwater Instruments K.K.", "JPY"),
)
LOCATIONS: tuple[tuple[str, str, str], ...] = (  # id, name, entity
    ("US-NYC", "New York", "US"), ("US-AUS", "Austin", "US"), ("EU-MUC", "München", "EU"),
    ("EU-PAR", "Paris", "EU"), ("EU-MAD", "Madrid", "EU"), ("EU-MIL", "Milano", "EU"),
    ("JP-TYO", "東京", "JP"),
)
EXCHANGE_RATE_TYPES: tuple[Record, ...] = (
    {"ID": "Intacct Daily Rate", "ISDEFAULT": True},
    {"ID": "Corporate Monthly Rate", "ISDEFAULT": False},
    {"ID": "Budget Rate", "ISDEFAULT": False},
)
PROJECT_STATUSES: tuple[Record, ...] = (
    {"NAME": "Not Started", "DESCRIPTION": "Signed, not yet started"},
    {"NAME": "In Progress", "DESCRIPTION": "Work under way"},
    {"NAME": "On Hold", "DESCRIPTION": "Paused by the customer", "PREVENTTIMESHEET": True},
    {"NAME": "Completed", "DESCRIPTION": "Delivered and accepted", "PREVENTTIMESHEET": True,
     "PREVENTEXPENSE": True},
    {"NAME": "Cancelled", "DESCRIPTION": "Stopped before delivery", "PREVENTTIMESHEET": True,
     "PREVENTEXPENSE": True, "STATUS": "inactive"},
    {"NAME": "Template", "DESCRIPTION": "Projects used as templates for new projects",
     "PREVENTTIMESHEET": True, "PREVENTEXPENSE": True},
)
PROJECT_TYPES: tuple[Record, ...] = (
    {"NAME": "Implementation"}, {"NAME": "Implementation - Fixed Fee",
                                 "PARENTNAME": "Implementation"},
    {"NAME": "Consulting"}, {"NAME": "Managed Service"}, {"NAME": "Internal"},
)
# Project templates are projects whose status is "Template" (see rules/managed_lists.map).
PROJECT_TEMPLATES: tuple[Record, ...] = (
    {"PROJECTID": "TPL-IMPL", "NAME": "Implementation template", "PROJECTTYPE": "Implementation",
     "BILLINGTYPE": "Fixed Fee", "DESCRIPTION": "Kick-off, configuration, training, go-live"},
    {"PROJECTID": "TPL-CONS", "NAME": "Consulting engagement template",
     "PROJECTTYPE": "Consulting", "BILLINGTYPE": "Time & Material",
     "DESCRIPTION": "Time and material consulting engagement"},
    {"PROJECTID": "TPL-MS", "NAME": "Managed service onboarding template",
     "PROJECTTYPE": "Managed Service", "BILLINGTYPE": "Fixed Fee & Expenses",
     "DESCRIPTION": "Onboarding to the managed monitoring service"},
)
RENEWAL_TEMPLATES: tuple[Record, ...] = (
    {"MACROID": "Annual Auto-Renew", "DESCRIPTION": "Renew for one year, 60 days' notice"},
    {"MACROID": "Monthly Auto-Renew", "DESCRIPTION": "Renew month to month"},
    {"MACROID": "Manual Renewal", "DESCRIPTION": "Renewal quote sent 90 days before the end"},
)
TERRITORIES: tuple[tuple[str, str, str | None], ...] = (
    ("NA", "North America", None), ("NA-E", "North America East", "NA"),
    ("NA-W", "North America West", "NA"), ("EMEA", "Europe, Middle East & Africa", None),
    ("EMEA-W", "Western Europe", "EMEA"), ("EMEA-C", "Central Europe", "EMEA"),
    ("EMEA-S", "Southern Europe", "EMEA"), ("APAC", "Asia Pacific", None),
    ("APAC-JP", "Japan", "APAC"),
)
CUSTOMER_TYPES: tuple[Record, ...] = (
    {"NAME": "Enterprise"}, {"NAME": "Mid-Market"}, {"NAME": "Small Business"},
    {"NAME": "Public Sector"}, {"NAME": "Partner"},
    {"NAME": "Reseller", "PARENTNAME": "Partner"},
)
CUSTOMER_TYPE_MIX = ("Mid-Market", "Mid-Market", "Small Business", "Small Business",
                     "Enterprise", "Public Sector", "Reseller")

# -- products -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Family:
    """A product family: naming, Intacct item type and class, price range."""

    code: str
    label: str
    item_type: str
    class_id: str
    names: tuple[str, ...]
    low: int
    high: int


FAMILIES: tuple[Family, ...] = (
    Family("HW", "Hardware", "Inventory", "HW",
           ("Sensor Gateway", "Edge Router", "Thermal Camera", "Flow Meter", "Pressure Sensor",
            "Data Logger", "Vibration Monitor", "Smart Valve"), 90, 4800),
    Family("SW", "Software", "Non-Inventory (Sales only)", "SW",
           ("Analytics Suite", "Fleet Manager", "Calibration Studio", "Report Designer"),
           400, 12000),
    Family("SUB", "Subscription", "Non-Inventory (Sales only)", "SUB",
           ("Cloud Monitoring", "Predictive Maintenance", "Remote Support", "Data Retention"),
           25, 900),
    Family("SVC", "Services", "Non-Inventory (Sales only)", "SRV",
           ("Implementation Day", "On-site Training", "Remote Consulting Hour",
            "Installation Service", "Calibration Visit", "Project Management Day"), 120, 1600),
)
# Item i belongs to FAMILY_ORDER[i % 6]: every family appears among the first 12 items.
FAMILY_ORDER = (0, 1, 2, 3, 0, 2)
PLANS = ("Standard", "Professional", "Enterprise")
SF_ONLY_PRODUCTS = ("Premium Support Add-on", "Extended Warranty", "Onboarding Package",
                    "Custom Dashboard Pack")
SO_PRICE_LISTS: tuple[Record, ...] = (
    {"NAME": "Base Price List"},  # Intacct's default list: Salesforce's standard book
    {"NAME": "Partner 2024", "DATEFROM": date(2024, 1, 1), "DATETO": date(2024, 12, 31)},
    {"NAME": "Europe EUR 2024", "DATEFROM": date(2024, 1, 1), "DATETO": date(2024, 12, 31)},
)
CONTRACT_PRICE_LISTS: tuple[Record, ...] = (
    {"NAME": "Subscriptions 2024", "DESCRIPTION": "List prices for cloud subscriptions"},
    {"NAME": "Enterprise Agreements", "DESCRIPTION": "Volume pricing for enterprise contracts"},
)
TASK_NAMES = ("Kick-off meeting", "Requirements workshop", "System configuration",
              "Data migration", "User training", "Go-live support")
DOC_TYPES: tuple[tuple[str, str], ...] = (  # transaction definition, number prefix
    ("Sales Quote", "SQ"), ("Sales Order", "SO"), ("Sales Invoice", "SI"), ("Other: Sales", "OS"),
)
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
               "Negotiation/Review")
STAGE_PROBABILITY = {"Prospecting": 10, "Qualification": 20, "Needs Analysis": 30,
                     "Proposal/Price Quote": 60, "Negotiation/Review": 80, "Closed Won": 100}
