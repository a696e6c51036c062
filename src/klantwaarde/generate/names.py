"""Company identities and the ways other systems misspell them.

Names, legal forms, VAT numbers, postcodes, web domains and e-mail addresses, plus the
variants CRM and the service desk hold for the same company (legal form spelled
differently, accents dropped, punctuation and spacing changed, VAT formatted by hand).
All functions take arrays and return arrays (pandas string Series); no per-row Python
in the hot paths beyond pandas' vectorised string methods.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = np.array(["NL", "BE", "DE", "GB"])
COUNTRY_P = np.array([0.62, 0.18, 0.15, 0.05])

SURNAMES = {
    "NL": [
        "de Vries",
        "Jansen",
        "van der Linden",
        "Sanders",
        "Kuijpers",
        "Bosman",
        "Hoekman",
        "van Vliet",
        "Lammers",
        "Mol",
        "Nijland",
        "Oosterhuis",
        "Pronk",
        "Rietveld",
        "Snijders",
        "Teunissen",
        "Uijttewaal",
        "Verschuren",
        "Westerhof",
        "Zijlstra",
        "Boersma",
        "Evers",
        "Franken",
        "Geurts",
        "Haverkamp",
        "Kamphuis",
        "van den Berg",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "de Groot",
        "Bos",
        "Vos",
        "Peters",
        "Hendriks",
        "van Leeuwen",
        "Dekker",
        "Brouwer",
        "de Wit",
        "Dijkstra",
        "Smits",
        "de Graaf",
        "van der Meer",
        "Kok",
        "Jacobs",
        "van Dijk",
        "Huisman",
        "Koster",
        "Prins",
        "Verbeek",
        "Hoekstra",
        "Maas",
        "Kuipers",
        "Schouten",
        "van Wijk",
        "Scholten",
        "Willems",
        "Timmermans",
        "Groen",
        "Gerritsen",
        "Postma",
        "Wolters",
        "Kramer",
        "van Beek",
        "Verhoeven",
        "Koç",
        "Özdemir",
        "Çelik",
        "Gürbüz",
        "Hoogendoorn",
        "van 't Hof",
        "IJzerman",
        "Brandsma",
        "Zwart",
        "Veenstra",
    ],
    "BE": [
        "Peeters",
        "Janssens",
        "Maes",
        "Jacobs",
        "Mertens",
        "Willems",
        "Claes",
        "Goossens",
        "Wouters",
        "De Smet",
        "Dubois",
        "Lambert",
        "Dupont",
        "Lefèvre",
        "Gérard",
        "Mathieu",
        "Renée",
        "Desmet",
        "Van Damme",
        "Vermeulen",
        "Declercq",
        "Hermans",
        "Michiels",
        "Leroy",
        "Noël",
        "Thiré",
        "Ghislain",
        "Verstraete",
        "Coppens",
        "Van Acker",
    ],
    "DE": [
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
        "Hofmann",
        "Hartmann",
        "Lange",
        "Schmitt",
        "Werner",
        "Krause",
        "Köhler",
        "Weiß",
        "Jäger",
        "Groß",
        "Böhm",
        "Lößner",
        "Vogel",
        "Günther",
    ],
    "GB": [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Robinson",
        "Wright",
        "Thompson",
        "Evans",
        "Walker",
        "White",
        "Roberts",
        "Green",
        "Hall",
        "Wood",
        "Jackson",
        "Clarke",
        "O'Neill",
        "McAllister",
    ],
}
TRADES = {
    "NL": [
        "Installatietechniek",
        "Bouw",
        "Techniek",
        "Logistiek",
        "Handelsonderneming",
        "Metaalbewerking",
        "Elektro",
        "Groothandel",
        "Onderhoud",
        "Machinefabriek",
        "Transport",
        "Schilderwerken",
        "Dakdekkers",
        "Loodgietersbedrijf",
        "Zorggroep",
        "Bakkerij",
        "Kwekerij",
        "Totaalbouw",
        "Montage",
        "Service",
        "Klimaattechniek",
        "Scheepsbouw",
        "Interieurbouw",
        "Café-Restaurant",
    ],
    "BE": [
        "Bouwbedrijf",
        "Constructions",
        "Électricité",
        "Techniek",
        "Transports",
        "Menuiserie",
        "Installaties",
        "Chauffage",
        "Garage",
        "Services",
        "Métallerie",
        "Schrijnwerkerij",
        "Brasserie",
        "Façades",
    ],
    "DE": [
        "Haustechnik",
        "Bau",
        "Elektrotechnik",
        "Logistik",
        "Maschinenbau",
        "Metallbau",
        "Handel",
        "Sanitär",
        "Dachdeckerei",
        "Gebäudetechnik",
        "Spedition",
        "Werkzeugbau",
        "Anlagenbau",
        "Industrieservice",
        "Bäckerei",
        "Gärtnerei",
        "Kältetechnik",
    ],
    "GB": [
        "Engineering",
        "Building Services",
        "Logistics",
        "Electrical",
        "Plumbing",
        "Construction",
        "Facilities",
        "Fabrications",
        "Supplies",
        "Maintenance",
    ],
}
REGIONS = {
    "NL": ["Rijnmond", "Twente", "Brabant", "Veluwe", "Noord", "West-Friesland", "Drechtsteden"],
    "BE": ["Kempen", "Wallonie", "Vlaanderen", "Brabant", "Limburg"],
    "DE": ["Rhein-Ruhr", "Niederrhein", "Westfalen", "Münsterland", "Eifel"],
    "GB": ["Northern", "Midlands", "Southern", "Thames Valley", "Yorkshire"],
}
# (canonical, [variants other systems use])
LEGAL = {
    "NL": [
        ("B.V.", ["BV", "B.V", "b.v.", "bv", ""]),
        ("V.O.F.", ["VOF", "v.o.f.", ""]),
        ("N.V.", ["NV", "N.V", ""]),
    ],
    "BE": [
        ("NV", ["N.V.", "nv", ""]),
        ("BV", ["B.V.", "BVBA", ""]),
        ("SRL", ["S.R.L.", "srl", ""]),
    ],
    "DE": [
        ("GmbH", ["GMBH", "Gmbh", "G.m.b.H.", ""]),
        ("GmbH & Co. KG", ["GmbH & Co KG", "GmbH"]),
        ("AG", ["A.G.", ""]),
    ],
    "GB": [("Ltd", ["Ltd.", "Limited", "LTD", ""]), ("PLC", ["plc", "P.L.C.", ""])],
}
LEGAL_P = {
    "NL": [0.8, 0.12, 0.08],
    "BE": [0.45, 0.4, 0.15],
    "DE": [0.75, 0.2, 0.05],
    "GB": [0.9, 0.1],
}
CITIES = {
    "NL": [
        "Amsterdam",
        "Rotterdam",
        "Utrecht",
        "Eindhoven",
        "Tilburg",
        "Groningen",
        "Almere",
        "Breda",
        "Nijmegen",
        "Apeldoorn",
        "Haarlem",
        "Enschede",
        "Arnhem",
        "Zaandam",
        "Amersfoort",
        "Zwolle",
        "Leiden",
        "Maastricht",
        "Dordrecht",
        "Zoetermeer",
        "'s-Hertogenbosch",
        "Den Haag",
        "Delft",
        "Venlo",
        "Deventer",
    ],
    "BE": [
        "Antwerpen",
        "Gent",
        "Brussel",
        "Liège",
        "Brugge",
        "Namur",
        "Leuven",
        "Mechelen",
        "Hasselt",
        "Kortrijk",
        "Charleroi",
        "Aalst",
    ],
    "DE": [
        "Düsseldorf",
        "Köln",
        "Essen",
        "Dortmund",
        "Duisburg",
        "Münster",
        "Aachen",
        "Krefeld",
        "Mönchengladbach",
        "Bochum",
        "Oberhausen",
        "Kleve",
    ],
    "GB": ["London", "Manchester", "Birmingham", "Leeds", "Bristol", "Hull", "Norwich", "Ipswich"],
}
STREETS = {
    "NL": [
        "Industrieweg",
        "Kerkstraat",
        "Stationsweg",
        "Havenstraat",
        "Nijverheidsweg",
        "Dorpsstraat",
        "Marconistraat",
        "Edisonweg",
        "Energieweg",
        "Ambachtsweg",
    ],
    "BE": ["Industrielaan", "Rue de la Gare", "Kerkstraat", "Steenweg", "Chaussée de Mons"],
    "DE": ["Industriestraße", "Hauptstraße", "Bahnhofstraße", "Gewerbestraße", "Am Hafen"],
    "GB": ["High Street", "Station Road", "Mill Lane", "Church Road", "Industrial Estate"],
}
TLD = {"NL": ".nl", "BE": ".be", "DE": ".de", "GB": ".co.uk"}
FIRST_NAMES = np.array(
    [
        "jan",
        "piet",
        "anna",
        "sanne",
        "mark",
        "lisa",
        "thomas",
        "eva",
        "daan",
        "emma",
        "lars",
        "sophie",
        "jeroen",
        "inge",
        "klaus",
        "petra",
        "john",
        "sarah",
        "marc",
        "julie",
        "tim",
        "fleur",
        "bram",
        "noor",
        "stefan",
        "kevin",
        "linda",
        "ruben",
        "sven",
        "ilse",
    ]
)
ROLE_MAILBOXES = np.array(
    [
        "info",
        "inkoop",
        "admin",
        "facturen",
        "service",
        "planning",
        "werkplaats",
        "office",
        "purchasing",
        "technik",
    ]
)
FREE_MAIL = np.array(
    [
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "live.nl",
        "ziggo.nl",
        "kpnmail.nl",
        "gmx.de",
        "yahoo.com",
        "telenet.be",
    ]
)

_FOLD = str.maketrans(
    "äöüßáàâéèêëíìîïóòôúùûçñÄÖÜÁÀÂÉÈÊËÍÌÎÏÓÒÔÚÙÛÇÑğĞşŞıİ",
    "aousaaaeeeeiiiiooouuucnAOUAAAEEEEIIIIOOOUUUCNgGsSiI",
)


def _pick(rng: np.random.Generator, country: np.ndarray, table: dict, p=None) -> np.ndarray:
    out = np.empty(len(country), dtype=object)
    for c, values in table.items():
        m = country == c
        n = int(m.sum())
        if n:
            out[m] = np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]
    return out


def company_names(rng: np.random.Generator, country: np.ndarray) -> pd.DataFrame:
    """Base names (without legal form) and the index of each company's legal form."""
    n = len(country)
    sur = _pick(rng, country, SURNAMES)
    sur2 = _pick(rng, country, SURNAMES)
    trade = _pick(rng, country, TRADES)
    region = _pick(rng, country, REGIONS)
    city = _pick(rng, country, CITIES)
    pattern = rng.choice(6, size=n, p=[0.45, 0.12, 0.12, 0.13, 0.10, 0.08])
    s_sur = pd.Series(sur, dtype="str").str.replace(
        r"^(van|de|van den|van der|van 't) ", lambda m: m.group(0).capitalize(), regex=True
    )
    s_sur2 = pd.Series(sur2, dtype="str")
    s_trade = pd.Series(trade, dtype="str")
    s_region = pd.Series(region, dtype="str")
    s_city = pd.Series(city, dtype="str")
    base = np.select(
        [pattern == 0, pattern == 1, pattern == 2, pattern == 3, pattern == 4],
        [
            s_sur + " " + s_trade,
            s_trade + " " + s_sur,
            s_sur + " & " + s_sur2,
            s_sur + " " + s_trade + " " + s_region,
            s_sur + " " + s_trade + " " + s_city,
        ],
        s_region + " " + s_trade,  # a regional name: shared by several companies
    )
    legal = np.zeros(n, dtype=np.int64)
    for c, p in LEGAL_P.items():
        m = country == c
        legal[m] = rng.choice(len(p), size=int(m.sum()), p=p)
    return pd.DataFrame({"base": pd.Series(base, dtype="str"), "legal": legal})


def legal_form(country: np.ndarray, legal: np.ndarray) -> pd.Series:
    out = np.empty(len(country), dtype=object)
    for c, forms in LEGAL.items():
        for i, (canon, _) in enumerate(forms):
            out[(country == c) & (legal == i)] = canon
    return pd.Series(out, dtype="str")


def legal_variant(rng: np.random.Generator, country: np.ndarray, legal: np.ndarray) -> pd.Series:
    out = np.empty(len(country), dtype=object)
    for c, forms in LEGAL.items():
        for i, (_, variants) in enumerate(forms):
            m = (country == c) & (legal == i)
            k = int(m.sum())
            if k:
                out[m] = np.asarray(variants, dtype=object)[rng.integers(0, len(variants), k)]
    return pd.Series(out, dtype="str")


def join_name(base: pd.Series, form: pd.Series) -> pd.Series:
    return (base + " " + form).str.strip()


def fold_accents(s: pd.Series) -> pd.Series:
    return s.str.translate(_FOLD)


def name_variants(
    rng: np.random.Generator, base: pd.Series, country: np.ndarray, legal: np.ndarray
) -> pd.Series:
    """How another system spells the same company: mostly recognisable, rarely identical."""
    base = base.reset_index(drop=True)
    n = len(base)
    form = legal_variant(rng, country, legal)
    canon = legal_form(country, legal)
    use_canon = rng.random(n) < 0.45
    form = pd.Series(np.where(use_canon, canon, form), dtype="str")
    kind = rng.choice(8, size=n, p=[0.36, 0.16, 0.10, 0.10, 0.09, 0.07, 0.07, 0.05])
    b = base
    b = b.where(kind != 1, fold_accents(b))
    b = b.where(kind != 2, b.str.upper())
    b = b.where(kind != 3, b.str.replace("&", "en", regex=False).str.replace("-", " ", regex=False))
    b = b.where(kind != 4, b.str.replace(" ", "  ", n=1, regex=False))
    b = b.where(kind != 5, b.str.replace(r"[.'’]", "", regex=True).str.lower().str.title())
    # a typo: one letter dropped somewhere after the first three
    pos = pd.Series(3 + (rng.random(n) * np.maximum(b.str.len() - 4, 1)).astype(int))
    typo = pd.Series(
        [s[:p] + s[p + 1 :] if len(s) > p + 1 else s for s, p in zip(b, pos, strict=True)],
        dtype="str",
    )
    b = b.where(kind != 6, typo)
    # a branch or holding suffix
    suffix = pd.Series(
        rng.choice(
            np.array([" Holding", " Groep", " Services", " (vestiging)", " - hoofdkantoor"]), n
        ),
        dtype="str",
    )
    b = b.where(kind != 7, b + suffix)
    return join_name(b, form)


def vat_numbers(rng: np.random.Generator, country: np.ndarray) -> pd.Series:
    n = len(country)
    digits = pd.Series(rng.integers(100_000_000, 999_999_999, n).astype(str), dtype="str")
    suffix = pd.Series(rng.choice(["01", "02", "03"], n, p=[0.85, 0.1, 0.05]), dtype="str")
    nl = "NL" + digits + "B" + suffix
    be = "BE0" + digits
    de = "DE" + digits
    gb = "GB" + digits
    out = np.select([country == "NL", country == "BE", country == "DE"], [nl, be, de], gb)
    return pd.Series(out, dtype="str")


def vat_variants(rng: np.random.Generator, vat: pd.Series) -> pd.Series:
    """Hand-typed VAT numbers: `NL 8012.34.567.B01`, `nl801234567b01`, `BE 0123.456.789` …"""
    vat = vat.reset_index(drop=True)
    n = len(vat)
    kind = rng.choice(5, size=n, p=[0.35, 0.25, 0.15, 0.15, 0.10])
    cc = vat.str.slice(0, 2)
    body = vat.str.slice(2)
    dotted = (
        cc
        + " "
        + body.str.slice(0, 4)
        + "."
        + body.str.slice(4, 6)
        + "."
        + body.str.slice(6, 9)
        + "."
        + body.str.slice(9)
    )
    dotted = dotted.str.rstrip(".")
    spaced = cc + " " + body.str.slice(0, 3) + " " + body.str.slice(3, 6) + " " + body.str.slice(6)
    out = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [vat, dotted, vat.str.lower(), spaced.str.strip()],
        cc + "-" + body,
    )
    return pd.Series(out, dtype="str")


def postcodes(rng: np.random.Generator, country: np.ndarray) -> pd.Series:
    n = len(country)
    letters = np.array(list("ABCDEFGHJKLMNPRSTVWXZ"))
    l1 = letters[rng.integers(0, len(letters), n)]
    l2 = letters[rng.integers(0, len(letters), n)]
    nl = pd.Series(rng.integers(1000, 9999, n).astype(str), dtype="str") + " " + l1 + l2
    be = pd.Series(rng.integers(1000, 9999, n).astype(str), dtype="str")
    de = pd.Series(rng.integers(10000, 99999, n).astype(str), dtype="str").str.zfill(5)
    gb = (
        pd.Series(l1, dtype="str")
        + l2
        + pd.Series(rng.integers(1, 20, n).astype(str), dtype="str")
        + " "
        + pd.Series(rng.integers(1, 9, n).astype(str), dtype="str")
        + l2
        + l1
    )
    out = np.select([country == "NL", country == "BE", country == "DE"], [nl, be, de], gb)
    return pd.Series(out, dtype="str")


def postcode_variants(rng: np.random.Generator, pc: pd.Series) -> pd.Series:
    pc = pc.reset_index(drop=True)
    kind = rng.choice(3, size=len(pc), p=[0.6, 0.3, 0.1])
    out = np.select(
        [kind == 0, kind == 1], [pc, pc.str.replace(" ", "", regex=False)], pc.str.lower()
    )
    return pd.Series(out, dtype="str")


def slugs(base: pd.Series) -> pd.Series:
    s = fold_accents(base).str.lower().str.replace("&", "", regex=False)
    s = s.str.replace(r"[^a-z0-9 ]+", "", regex=True).str.strip()
    return s.str.replace(r"\s+", "-", regex=True)


def domains(rng: np.random.Generator, base: pd.Series, country: np.ndarray) -> pd.Series:
    """One unique web domain per company (a number added where two names collide)."""
    slug = slugs(base).reset_index(drop=True)
    tld = pd.Series(np.vectorize(TLD.get)(country), dtype="str")
    tld = tld.where(rng.random(len(slug)) > 0.2, ".com")
    dom = slug + tld
    dup = dom.groupby(dom, sort=False).cumcount()
    dom = dom.where(dup == 0, slug + dup.astype(str) + tld)
    return pd.Series(dom, dtype="str")


def website_variants(rng: np.random.Generator, domain: pd.Series) -> pd.Series:
    domain = domain.reset_index(drop=True)
    kind = rng.choice(4, size=len(domain), p=[0.4, 0.3, 0.2, 0.1])
    out = np.select(
        [kind == 0, kind == 1, kind == 2],
        ["https://www." + domain, "www." + domain, "http://" + domain + "/"],
        "https://" + domain.str.upper(),
    )
    return pd.Series(out, dtype="str")
