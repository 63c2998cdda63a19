"""Generate the example lake (``examples/lake/``) and its ground truth (``examples/truth/``).

Six small "sources" describe one kind of entity (restaurants) with the dirt real lakes have:
different delimiters, encodings and formats; different header names and column orders; missing
columns; surrogate ids; an unrelated extra column; null tokens; typos; abbreviations and synonyms;
reformatted phones, states, zips and websites; a few genuinely conflicting values; entities in
one to four sources and a few duplicated inside one source. The truth says which rows describe
the same restaurant and what each attribute's true value is, so a run can be scored.

Deterministic: a seeded ``random.Random`` drives everything, so ``python examples/make_lake.py``
rewrites byte-identical files (given the same pyarrow for the parquet file).

    python examples/make_lake.py                 # rewrite examples/lake and examples/truth
    python examples/make_lake.py --lake /tmp/l --truth /tmp/t --seed 3
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SEED = 20240611
HERE = Path(__file__).resolve().parent
ATTRIBUTES = ("name", "address", "city", "state", "zip", "phone", "cuisine", "website",
              "year_opened")

# --- the world: real US cities with their state, zip range and area code ----------------------
# (city, state code, state name, lowest zip, highest zip, area code)
CITIES: tuple[tuple[str, str, str, int, int, str], ...] = (
    ("San Francisco", "CA", "California", 94102, 94134, "415"),
    ("Oakland", "CA", "California", 94601, 94621, "510"),
    ("Portland", "OR", "Oregon", 97201, 97239, "503"),
    ("Seattle", "WA", "Washington", 98101, 98126, "206"),
    ("Austin", "TX", "Texas", 78701, 78759, "512"),
    ("Chicago", "IL", "Illinois", 60601, 60661, "312"),
    ("Boston", "MA", "Massachusetts", 2108, 2136, "617"),
    ("Cambridge", "MA", "Massachusetts", 2138, 2142, "617"),
    ("New York", "NY", "New York", 10001, 10040, "212"),
    ("Brooklyn", "NY", "New York", 11201, 11239, "718"),
    ("Denver", "CO", "Colorado", 80202, 80239, "303"),
    ("Philadelphia", "PA", "Pennsylvania", 19102, 19154, "215"),
    ("Providence", "RI", "Rhode Island", 2903, 2909, "401"),
    ("Hartford", "CT", "Connecticut", 6103, 6120, "860"),
    ("Burlington", "VT", "Vermont", 5401, 5408, "802"),
    ("Portland", "ME", "Maine", 4101, 4112, "207"),
)

STREETS = ("Main", "Oak", "Maple", "Market", "Valencia", "Mission", "Elm", "Pine", "Cedar",
           "Washington", "Lincoln", "Harbor", "Lake", "Park", "Union", "Commercial", "Grand",
           "Hawthorne", "Division", "Congress", "Chestnut", "Walnut", "Spring", "Highland",
           "Water", "Church", "Franklin", "Jefferson", "Madison", "Alberta", "Belmont", "Fulton")
SUFFIXES = {"Street": "St", "Avenue": "Ave", "Boulevard": "Blvd", "Road": "Rd", "Drive": "Dr",
            "Lane": "Ln", "Place": "Pl", "Way": "Way"}
SUFFIX_WEIGHTS = (30, 22, 8, 8, 6, 5, 5, 4)

ADJECTIVES = ("Golden", "Blue", "Red", "Green", "Silver", "Little", "Lucky", "Happy", "Rusty",
              "Crooked", "Hungry", "Jade", "Copper", "Velvet", "Wild", "Old", "Sunny", "Humble",
              "Twisted", "Smoky", "Salty", "Brass", "Painted", "Midnight")
NOUNS = ("Door", "Lantern", "Dragon", "Anchor", "Fig", "Olive", "Lemon", "Pepper", "Spoon",
         "Fork", "Kettle", "Barrel", "Garden", "Lotus", "Bamboo", "Cactus", "Tortoise",
         "Rooster", "Pearl", "Hen", "Goat", "Bee", "Moon", "Sparrow", "Otter", "Thistle", "Ember")
PEOPLE = ("Rosa", "Tony", "Mama Lin", "Abuela", "Sal", "Nonna", "Frankie", "Luigi", "Maria",
          "Giuseppe", "Hank", "Lucy", "Marco", "Mei", "Kenji", "Priya", "Raj", "Elena", "Sophie",
          "Jules", "Dot", "Gus")
WORDS = ("Luna", "Sol", "Roma", "Paloma", "Estrella", "Verde", "Bella", "Amalfi")
# (kind word in the name, cuisine it implies)
KINDS = (("Trattoria", "Italian"), ("Osteria", "Italian"), ("Pizzeria", "Pizza"),
         ("Taqueria", "Mexican"), ("Cantina", "Mexican"), ("Noodle House", "Chinese"),
         ("Dumpling House", "Chinese"), ("Sushi Bar", "Japanese"), ("Ramen", "Japanese"),
         ("Thai Kitchen", "Thai"), ("Curry House", "Indian"), ("Tandoor", "Indian"),
         ("Bistro", "French"), ("Brasserie", "French"), ("Diner", "American"),
         ("Grill", "American"), ("Tavern", "American"), ("Oyster Bar", "Seafood"),
         ("Fish House", "Seafood"), ("Smokehouse", "Barbecue"), ("Bakery", "Bakery"),
         ("Pho", "Vietnamese"), ("Mezze", "Mediterranean"))
OPEN_KINDS = ("Kitchen", "Restaurant", "Eatery", "Restaurant")  # say nothing about the cuisine
CUISINES = ("Italian", "Pizza", "Mexican", "Chinese", "Japanese", "Thai", "Indian", "French",
            "American", "Seafood", "Barbecue", "Bakery", "Vietnamese", "Mediterranean", "Korean",
            "Cafe")
CUISINE_SYNONYMS = {"Pizza": "Pizzeria", "Barbecue": "BBQ", "Cafe": "Coffee Shop",
                    "American": "American (Traditional)", "Mediterranean": "Middle Eastern",
                    "Seafood": "Fish & Seafood", "Bakery": "Bakeries"}
CHAINS = (("Big Sal's Pizzeria", "Pizza", 3), ("Golden Wok Express", "Chinese", 2),
          ("Taqueria El Sol", "Mexican", 2))

KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "ol", "a": "qsz", "s": "awdz", "d": "sefx", "f": "drgc", "g": "fthv",
    "h": "gyjb", "j": "hukn", "k": "jilm", "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv",
    "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}


@dataclass
class Entity:
    """One real restaurant: its canonical values (``None``: unknown, so not in the truth)."""

    id: str
    values: dict[str, str | None]


@dataclass
class Appearance:
    """One row of one source describing an entity, before the source's own formatting."""

    entity: Entity
    source: str
    copy: int  # 0, or 1 for a duplicate inside the same source
    values: dict[str, str | None] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)  # attribute -> its true value


# --- small dirt helpers ------------------------------------------------------------------------

def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a neighbour key, a dropped, doubled or swapped letter (never the first)."""
    spots = [i for i, c in enumerate(text) if i > 0 and c.isascii() and c.isalpha()]
    for _ in range(10):
        if not spots:
            return text
        i = rng.choice(spots)
        op = rng.choice(("neighbour", "drop", "swap", "double"))
        c = text[i]
        if op == "neighbour" and c.lower() in KEYBOARD:
            n = rng.choice(KEYBOARD[c.lower()])
            out = text[:i] + (n.upper() if c.isupper() else n) + text[i + 1:]
        elif op == "drop":
            out = text[:i] + text[i + 1:]
        elif op == "swap" and i + 1 < len(text) and text[i + 1].isalpha():
            out = text[:i] + text[i + 1] + c + text[i + 2:]
        else:
            out = text[:i] + c + text[i:]
        if out != text:
            return out
    return text


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def abbreviate_address(address: str, dot: bool = False) -> str:
    """'12 Oak Street' -> '12 Oak St' (or 'St.')."""
    head, _, suffix = address.rpartition(" ")
    short = SUFFIXES.get(suffix)
    if short is None:
        return address
    return f"{head} {short}{'.' if dot and short != 'Way' else ''}"


def phone_format(phone: str, style: str) -> str:
    """Canonical '415-555-0123' in another house style."""
    a, b, c = phone.split("-")
    return {"dash": phone, "paren": f"({a}) {b}-{c}", "digits": f"{a}{b}{c}",
            "dots": f"{a}.{b}.{c}", "intl": f"+1 {a} {b} {c}", "spaces": f"{a} {b} {c}"}[style]


def website_format(site: str, rng: random.Random) -> str:
    bare = site.removeprefix("www.")
    return rng.choice((site, site, f"http://{site}", f"https://{bare}/", bare))


def slug(name: str) -> str:
    text = strip_accents(name).lower().replace("&", "and")
    return "".join(c for c in text if c.isalnum())


def name_variant(name: str, rng: random.Random) -> str:
    """Abbreviations and synonyms a listing site writes: 'Rest.', '&'/'and', no leading 'The'."""
    options = []
    if "Restaurant" in name:
        options.append(name.replace("Restaurant", "Rest."))
    if " & " in name:
        options.append(name.replace(" & ", " and "))
    if name.startswith("The "):
        options.append(name[4:])
    if "'s " in name:
        options.append(name.replace("'s ", "s ", 1))
    return rng.choice(options) if options else name


# --- the pool of entities ----------------------------------------------------------------------

def make_entities(rng: random.Random, n_single: int = 136) -> list[Entity]:
    """Distinct restaurants (plus a few chains: same name, different places) with true values."""
    names: set[str] = set()
    phones: set[str] = set()
    addresses: set[tuple[str, str]] = set()
    entities: list[Entity] = []

    def place(city_idx: int | None = None) -> dict[str, str]:
        city, code, _, lo, hi, area = CITIES[rng.randrange(len(CITIES)) if city_idx is None else city_idx]
        while True:
            street = f"{rng.choice(STREETS)} {rng.choices(list(SUFFIXES), SUFFIX_WEIGHTS)[0]}"
            address = f"{rng.randint(1, 48) * rng.choice((10, 25, 1)) + rng.randint(0, 9)} {street}"
            if (address, city) not in addresses:
                addresses.add((address, city))
                break
        while True:
            phone = f"{area}-555-01{rng.randint(0, 99):02d}"  # 555-01xx: reserved for fiction
            if phone not in phones:
                phones.add(phone)
                break
        return {"address": address, "city": city, "state": code, "zip": f"{rng.randint(lo, hi):05d}",
                "phone": phone}

    def extras(name: str, cuisine: str) -> dict[str, str | None]:
        site = f"www.{slug(name)}.com" if rng.random() < 0.7 else None
        year = str(rng.randint(1952, 2021)) if rng.random() < 0.8 else None
        return {"name": name, "cuisine": cuisine, "website": site, "year_opened": year}

    while len(entities) < n_single:
        where = place()
        street_name = where["address"].split(" ", 1)[1].rsplit(" ", 1)[0]
        kind, cuisine = rng.choice(KINDS)
        r = rng.random()
        if r < 0.33:
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {kind}"
        elif r < 0.52:
            name = f"{rng.choice(PEOPLE)}'s {kind}"
        elif r < 0.62:
            name, cuisine = f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}", rng.choice(CUISINES)
        elif r < 0.69:
            a, b = rng.sample(NOUNS, 2)
            name, cuisine = f"{a} & {b}", rng.choice(CUISINES)
        elif r < 0.78:
            name = f"{street_name} Street {kind}"
        elif r < 0.82:
            name, cuisine = f"Café {rng.choice(WORDS)}", "Cafe"
        elif r < 0.84:
            name, cuisine = f"Crêperie {rng.choice(WORDS)}", "French"
        elif r < 0.86:
            name, cuisine = f"Señor {rng.choice(NOUNS)}", "Mexican"
        elif r < 0.96:
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(OPEN_KINDS)}"
            cuisine = rng.choice(CUISINES)
        else:
            a, b = rng.sample(NOUNS, 2)
            name, cuisine = f"{a}, {b} & Co.", rng.choice(CUISINES)
        if name in names:
            # addresses/phones drawn for a discarded name stay reserved: harmless
            continue
        names.add(name)
        entities.append(Entity("", {**extras(name, cuisine), **where}))
    for chain, cuisine, n in CHAINS:
        site = f"www.{slug(chain)}.com"
        for city_idx in rng.sample(range(len(CITIES)), n):
            entities.append(Entity("", {"name": chain, "cuisine": cuisine, "website": site,
                                        "year_opened": str(rng.randint(1985, 2019)), **place(city_idx)}))
    rng.shuffle(entities)
    for i, e in enumerate(entities):
        e.id = f"R{i + 1:03d}"
        e.values = {a: e.values[a] for a in ATTRIBUTES}
    return entities


# --- the sources -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """How one source lays out and dirties its rows."""

    path: str  # relative to the lake root
    weight: float  # how likely an entity is listed here
    attributes: tuple[str, ...]  # the true attributes it carries
    null_rate: float
    typo_rate: float


SOURCES = (
    Source("city_open_data/restaurants.csv", 0.26,
           ("name", "address", "city", "state", "zip", "phone", "cuisine"), 0.04, 0.04),
    Source("guide_export.tsv", 0.19,
           ("name", "cuisine", "address", "city", "state", "zip", "phone", "website", "year_opened"),
           0.07, 0.05),
    Source("health/inspections.csv", 0.19,
           ("name", "address", "city", "state", "zip", "phone"), 0.05, 0.10),
    Source("yelpish.psv", 0.13,
           ("name", "phone", "address", "city", "zip", "cuisine", "website"), 0.08, 0.25),
    Source("directory.parquet", 0.12,
           ("name", "category", "address", "city", "state", "zip", "phone", "year_opened"), 0.06, 0.08),
    Source("listings.ndjson", 0.11,
           ("name", "address", "city", "state", "zip", "phone", "website", "cuisine"), 0.08, 0.10),
)
SOURCE_COUNTS = (0.24, 0.36, 0.28, 0.12)  # P(entity in 1, 2, 3, 4 sources)
IN_SOURCE_DUPLICATES = {"health/inspections.csv": 9, "city_open_data/restaurants.csv": 3,
                        "yelpish.psv": 3}
CONFLICTS = {"phone": 6, "cuisine": 5, "zip": 3}


def carried(source: Source) -> tuple[str, ...]:
    """The unified attributes a source carries ('category' in the directory is the cuisine)."""
    return tuple("cuisine" if a == "category" else a for a in source.attributes)


def plan(entities: list[Entity], rng: random.Random) -> list[Appearance]:
    """Which entity appears where, which cells are null and which hold a wrong value."""
    by_path = {s.path: s for s in SOURCES}
    apps: list[Appearance] = []
    for e in entities:
        k = rng.choices((1, 2, 3, 4), SOURCE_COUNTS)[0]
        pool = list(SOURCES)
        chosen: list[Source] = []
        for _ in range(k):
            s = rng.choices(pool, [p.weight for p in pool])[0]
            pool.remove(s)
            chosen.append(s)
        for s in sorted(chosen, key=SOURCES.index):
            apps.append(Appearance(e, s.path, 0))
    for path, n in IN_SOURCE_DUPLICATES.items():
        listed = [a for a in apps if a.source == path]
        for a in rng.sample(listed, n):
            apps.append(Appearance(a.entity, path, 1))
    for a in apps:
        src = by_path[a.source]
        a.values = {}
        for attr in carried(src):
            true = a.entity.values[attr]
            nulled = attr != "name" and rng.random() < src.null_rate
            a.values[attr] = None if nulled else true
    phones = {str(e.values["phone"]) for e in entities}
    for attr, n in CONFLICTS.items():
        for _ in range(200):
            if n == 0:
                break
            a = rng.choice(apps)
            true = a.entity.values[attr]
            if a.values.get(attr) is None or true is None:
                continue
            siblings = [b for b in apps if b.entity is a.entity and b is not a]
            agreeing = [b for b in siblings if b.values.get(attr) == true]
            if len(agreeing) < 2 or any(b.values.get(attr) != true and b.values.get(attr) is not None
                                        for b in siblings):
                continue  # the true value must keep a clear majority
            a.values[attr] = wrong_value(attr, true, rng, phones)
            a.conflicts[attr] = true
            n -= 1
    return apps


def wrong_value(attr: str, true: str, rng: random.Random, taken: set[str]) -> str:
    """A plausible but wrong value: an old phone line (no other restaurant's), a neighbouring
    zip, a misfiled cuisine."""
    if attr == "phone":
        area, mid, last = true.split("-")
        while True:
            wrong = f"{area}-{mid}-{(int(last) + rng.randint(1, 40)) % 100 + 100:04d}"
            if wrong not in taken:
                return wrong
    if attr == "zip":
        return f"{int(true) + rng.choice((-2, -1, 1, 2)):05d}"
    if attr == "year_opened":
        return str(int(true) + rng.choice((-3, -2, 2, 4)))
    return rng.choice([c for c in CUISINES if c != true])


def _maybe_typo(text: str, rate: float, rng: random.Random) -> str:
    return typo(text, rng) if rng.random() < rate else text


def render(a: Appearance, src: Source, rng: random.Random, tally: dict[str, int]) -> dict[str, object]:
    """The row as the source writes it: its own headers, order, formats, nulls and typos.

    ``tally`` counts the typos injected, per source, for the README.
    """
    v = dict(a.values)
    state_names = {code: name for _, code, name, *_ in CITIES}
    force_typo = a.copy == 1 and a.source != "health/inspections.csv"
    name = v["name"]
    assert name is not None
    typed = typo(name, rng) if force_typo else _maybe_typo(name, src.typo_rate, rng)
    tally[f"{src.path}:name"] = tally.get(f"{src.path}:name", 0) + (typed != name)
    name = typed
    address = v.get("address")
    if address is not None:
        typed = _maybe_typo(address, src.typo_rate / 3, rng)
        tally[f"{src.path}:address"] = tally.get(f"{src.path}:address", 0) + (typed != address)
        address = typed
    p = src.path
    if p == "city_open_data/restaurants.csv":
        def n(x: str | None) -> str:
            return "" if x is None else x
        return {"name": name, "address": n(address), "city": n(v["city"]), "state": n(v["state"]),
                "zip": n(v["zip"]), "phone": n(v["phone"]), "cuisine": n(v["cuisine"])}
    if p == "guide_export.tsv":
        def n(x: str | None) -> str:
            return "N/A" if x is None else x
        z = v["zip"]
        if z is not None and rng.random() < 0.25:
            z = f"{z}-{rng.randint(1000, 9999)}"  # ZIP+4
        return {"Restaurant Name": name, "Cuisine Type": n(v["cuisine"]),
                "Street Address": n(address), "City": n(v["city"]),
                "State": n(None if v["state"] is None else state_names[v["state"]]),
                "ZipCode": n(z),
                "Telephone": n(None if v["phone"] is None else phone_format(v["phone"], "paren")),
                "Website": n(None if v["website"] is None else website_format(v["website"], rng)),
                "Year Opened": n(v["year_opened"])}
    if p == "health/inspections.csv":
        def n(x: str | None) -> str:
            return "NA" if x is None else x
        legal = name.upper() + (rng.choice((" LLC", " INC", " INC.", " CORP")) if rng.random() < 0.35 else "")
        return {"inspection_date": f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "biz_name": legal,
                "addr": n(None if address is None else abbreviate_address(address).upper()),
                "town": n(None if v["city"] is None else v["city"].upper()),
                "st": n(v["state"]), "postal_code": n(v["zip"]),
                "tel": n(None if v["phone"] is None else phone_format(v["phone"], "digits")),
                "score": str(rng.randint(68, 100))}
    if p == "yelpish.psv":
        def n(x: str | None) -> str:
            return "-" if x is None else x
        onto = "http://example.org/onto#"
        cuisine = v["cuisine"]
        if cuisine is not None:
            cuisine = CUISINE_SYNONYMS.get(cuisine, cuisine) if rng.random() < 0.5 else cuisine
            cuisine = cuisine.lower()
        shown = name_variant(name, rng) if rng.random() < 0.5 else name
        phone = None if v["phone"] is None else phone_format(v["phone"], rng.choice(("intl", "dash", "paren")))
        if address is not None and rng.random() < 0.5:
            address = abbreviate_address(address)
        return {f"{onto}name": shown, f"{onto}phone": n(phone), f"{onto}address": n(address),
                f"{onto}city": n(v["city"]), f"{onto}zip": n(v["zip"]), f"{onto}cuisine": n(cuisine),
                f"{onto}website": n(None if v["website"] is None else website_format(v["website"], rng))}
    if p == "directory.parquet":
        cuisine = v["cuisine"]
        if cuisine is not None and rng.random() < 0.4:
            cuisine = CUISINE_SYNONYMS.get(cuisine, cuisine)
        return {"business_name": name, "category": cuisine,
                "address_line": None if address is None else abbreviate_address(address, dot=True),
                "city": v["city"], "state_code": v["state"],
                "zip": None if v["zip"] is None else int(v["zip"]),  # leading zeros are lost
                "phone_number": None if v["phone"] is None else phone_format(v["phone"], "dots"),
                "year_opened": None if v["year_opened"] is None else int(v["year_opened"])}
    if p == "listings.ndjson":
        state = v["state"]
        if state is not None and rng.random() < 0.5:
            state = state_names[state]
        title = name_variant(name, rng) if rng.random() < 0.6 else name
        phone = None if v["phone"] is None else phone_format(v["phone"], rng.choice(("digits", "spaces", "dash")))
        return {"title": strip_accents(title), "street": address, "city": v["city"], "region": state,
                "postcode": v["zip"], "contact_phone": phone,
                "url": None if v["website"] is None else website_format(v["website"], rng),
                "category": v["cuisine"]}
    raise ValueError(f"unknown source {p}")


# --- writers -----------------------------------------------------------------------------------

def _csv_text(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_source(path: Path, src: Source, rows: list[dict[str, object]]) -> None:
    """Write one source in its own format; ids are running integers where the source has them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = list(rows[0])
    if src.path == "city_open_data/restaurants.csv":
        table = [[str(i + 1)] + [str(r[h]) for h in header] for i, r in enumerate(rows)]
        text = _csv_text(["id"] + header, table, ",")
        path.write_bytes(text.encode("utf-8-sig"))  # UTF-8 with a byte-order mark
    elif src.path == "guide_export.tsv":
        path.write_bytes(_csv_text(header, [[str(r[h]) for h in header] for r in rows], "\t").encode("utf-8"))
    elif src.path == "health/inspections.csv":
        table = [[str(5001 + i)] + [str(r[h]) for h in header] for i, r in enumerate(rows)]
        text = _csv_text(["inspection_id"] + header, table, ";")
        path.write_bytes(text.encode("latin-1"))  # a county system from the nineties
    elif src.path == "yelpish.psv":
        path.write_bytes(_csv_text(header, [[str(r[h]) for h in header] for r in rows], "|").encode("utf-8"))
    elif src.path == "directory.parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"zip": pa.int64(), "year_opened": pa.int64()}
        schema = pa.schema([(h, types.get(h, pa.string())) for h in header])
        table = pa.table({h: [r[h] for r in rows] for h in header}, schema=schema)
        pq.write_table(table, path, compression="snappy")
    elif src.path == "listings.ndjson":
        lines = []
        for i, r in enumerate(rows):
            rec: dict[str, object] = {"listing_id": i + 1}
            for h in header:
                if r[h] is None and (i % 3 == 0):
                    continue  # some records omit the key, others write null
                rec[h] = r[h]
            lines.append(json.dumps(rec, ensure_ascii=False))
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    else:
        raise ValueError(f"unknown source {src.path}")


def make_lake(out_lake: str | Path, out_truth: str | Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the lake and its truth; return counts (rows, entities, per source ...)."""
    out_lake, out_truth = Path(out_lake), Path(out_truth)
    rng = random.Random(seed)
    entities = make_entities(rng)
    apps = plan(entities, rng)
    truth_rows: list[tuple[str, int, str]] = []
    counts: dict[str, int] = {"entities": len(entities)}
    conflict_rows: list[tuple[str, int, str, str, str, str]] = []
    tally: dict[str, int] = {}
    for src in SOURCES:
        mine = [a for a in apps if a.source == src.path]
        rng.shuffle(mine)
        rows = [render(a, src, rng, tally) for a in mine]
        write_source(out_lake / src.path, src, rows)
        counts[src.path] = len(rows)
        for i, a in enumerate(mine):
            truth_rows.append((src.path, i, a.entity.id))
            for attr, true in a.conflicts.items():
                conflict_rows.append((src.path, i, a.entity.id, attr, true, str(a.values[attr])))
    out_truth.mkdir(parents=True, exist_ok=True)
    listed = {e for _, _, e in truth_rows}
    values = [(e.id, attr, val) for e in entities if e.id in listed
              for attr, val in e.values.items() if val is not None]
    _write_csv(out_truth / "entities.csv", ["source", "source_row", "entity"], truth_rows)
    _write_csv(out_truth / "values.csv", ["entity", "attribute", "value"], values)
    _write_csv(out_truth / "conflicts.csv",
               ["source", "source_row", "entity", "attribute", "true_value", "wrong_value"], conflict_rows)
    counts.update(rows=len(truth_rows), listed_entities=len(listed), values=len(values),
                  conflicts=len(conflict_rows),
                  in_source_duplicates=sum(1 for a in apps if a.copy == 1))
    spread: dict[int, int] = {}
    for e in entities:
        k = len({a.source for a in apps if a.entity is e})
        spread[k] = spread.get(k, 0) + 1
    for row in conflict_rows:
        tally[f"conflict:{row[3]}"] = tally.get(f"conflict:{row[3]}", 0) + 1
    (out_truth / "README.md").write_bytes(_readme(counts, spread, tally, seed).encode("utf-8"))
    return counts


def _write_csv(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    path.write_bytes(_csv_text(header, [[str(x) for x in r] for r in rows], ",").encode("utf-8"))


def _readme(counts: dict[str, int], spread: dict[int, int], tally: dict[str, int], seed: int) -> str:
    per_source = "\n".join(
        f"| `{s.path}` | {counts[s.path]} | {tally.get(s.path + ':name', 0)} | "
        f"{tally.get(s.path + ':address', 0)} | {', '.join(carried(s))} |" for s in SOURCES)
    spread_text = ", ".join(f"{spread.get(k, 0)} in {k}" for k in (1, 2, 3, 4))
    conflicts = ", ".join(f"{tally.get('conflict:' + a, 0)} {a}" for a in CONFLICTS)
    dups = ", ".join(f"{n} in `{p}`" for p, n in IN_SOURCE_DUPLICATES.items())
    return f"""# The example lake and its ground truth

Generated by `python examples/make_lake.py` (seed {seed}); do not edit by hand — change the
generator and rerun it (reruns are byte-identical).

## The lake (`examples/lake/`)

{counts['rows']} rows in six sources about {counts['entities']} restaurants (one kind of entity).
Each restaurant is listed in 1–4 sources ({spread_text}); {counts['in_source_duplicates']} rows
are duplicates inside one source ({dups}).

| source | rows | names with a typo | addresses with a typo | attributes carried |
|---|---|---|---|---|
{per_source}

What each source does differently (the dirt):

- `city_open_data/restaurants.csv` — comma-separated, **UTF-8 with BOM**, surrogate `id`
  (1..n), headers `name,address,city,state,zip,phone,cuisine`; the cleanest source (canonical
  formats); nulls are empty strings; a few names contain commas and are quoted; in-source
  duplicates carry a typo.
- `guide_export.tsv` — tab-separated, headers `Restaurant Name, Cuisine Type, Street Address,
  City, State, ZipCode, Telephone, Website, Year Opened`; states written out ("California"),
  phones as "(415) 555-0123", some ZIP+4 ("94110-1234"), websites as `http://`/`https://`/bare;
  nulls `N/A`.
- `health/inspections.csv` — semicolon-separated, **latin-1** (accented names such as "CAFÉ
  LUNA"), surrogate `inspection_id` (5001..), headers `biz_name;addr;town;st;postal_code;tel`
  plus two unrelated columns (`inspection_date`, `score`); names and addresses upper-case, legal
  suffixes (" LLC", " INC", " INC.", " CORP"), street suffixes abbreviated ("ST", "AVE"), phones
  as digits "4155550123"; no cuisine; the same restaurant inspected twice appears twice; nulls
  `NA`.
- `yelpish.psv` — pipe-separated, URI headers (`http://example.org/onto#name`, `...#phone` ...),
  no state column; the most typos (a quarter of the names), "Rest."/"and"/dropped "The",
  lower-case cuisines and synonyms ("bbq", "pizzeria", "coffee shop"), phones as
  "+1 415 555 0123", "415-555-0123" or "(415) 555-0123"; half the addresses abbreviated;
  nulls `-`.
- `directory.parquet` — parquet, headers `business_name, category, address_line, city,
  state_code, zip, phone_number, year_opened`; `zip` and `year_opened` are integers (so
  New England zips lose their leading zero: "2139"); addresses "12 Oak St."; phones
  "415.555.0123"; real nulls.
- `listings.ndjson` — one JSON object a line, surrogate `listing_id` (1..n), keys `title, street,
  city, region, postcode, contact_phone, url, category`; accents stripped ("Cafe"), state names
  and codes mixed, phones "4155550123", "415 555 0123" or "415-555-0123", "Rest."/"and"/dropped
  "The" in titles; missing values are `null` or the key is left out.

Everywhere: keyboard typos in names (neighbour key, dropped, doubled or swapped letter) and,
more rarely, addresses; random null cells (never the name). Chains (e.g. "Big Sal's Pizzeria")
share name and website across different places: same name, different entities.
Genuine conflicts: {counts['conflicts']} cells hold a wrong value ({conflicts}) in one source
while at least two other rows of the same restaurant hold the true value; they are listed in
`conflicts.csv`. Phones use the fictional 555-01xx range.

## The truth (`examples/truth/`)

- `entities.csv` — `source, source_row, entity`: one line per lake row.
  `source` is the file path relative to the lake folder with `/` separators; `source_row` is the
  0-based data-row index within that file (header excluded; for ndjson the line, for parquet the
  row); `entity` is an id such as `R001`. Rows with the same entity describe the same restaurant.
- `values.csv` — `entity, attribute, value`: the true value of each attribute of each listed
  entity, under the unified attribute names {", ".join(ATTRIBUTES)}, in one canonical form:
  name as spelled by the owner (with accents), address "123 Main Street" (suffix written out),
  state the 2-letter code, zip 5 digits, phone "415-555-0123", cuisine one of
  {", ".join(CUISINES)}, website "www.example.com", year_opened "1998". An attribute whose true
  value is unknown has no line (and is not scored).
- `conflicts.csv` — `source, source_row, entity, attribute, true_value, wrong_value`: the
  injected conflicts (canonical forms), for checking conflict resolution.

Load with `tablefuse.truth.load_truth("examples/truth")`; score a run with
`tablefuse.truth.evaluate(result, truth)`.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lake", default=str(HERE / "lake"))
    parser.add_argument("--truth", default=str(HERE / "truth"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    counts = make_lake(args.lake, args.truth, seed=args.seed)
    print(f"wrote {counts['rows']} rows about {counts['entities']} restaurants to {args.lake}; "
          f"truth in {args.truth}")


if __name__ == "__main__":
    main()
