"""The authorities and people of a demo (or test) node, per country. Names are invented.

Each node gets its central authority (the national contact point for mutual legal assistance,
the ministry of justice in every country of the region), one or two prosecutor's offices, and
four people: two prosecutors (so that one can draft and the other cannot see what is not
theirs), a contact point and an auditor.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.auth import services as auth
from exchange.auth.models import Authority, AuthorityKind, Role, User
from exchange.node import Node


@dataclass(frozen=True)
class Office:
    name: str
    kind: str
    jurisdiction: str | None
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    office: int  # index into the country's offices
    roles: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class Country:
    offices: tuple[Office, ...]
    people: tuple[Person, ...]


CP, PROSECUTOR, AUDITOR, ADMIN = Role.CONTACT_POINT, Role.PROSECUTOR, Role.AUDITOR, Role.NODE_ADMIN
CENTRAL, OFFICE = AuthorityKind.CENTRAL_AUTHORITY, AuthorityKind.PROSECUTOR_OFFICE

COUNTRIES: dict[str, Country] = {
    "BA": Country(
        (
            Office("Ministarstvo pravde Bosne i Hercegovine", CENTRAL, "state", ("bs", "hr", "sr-Latn", "sr-Cyrl")),
            Office("Tužilaštvo Bosne i Hercegovine", OFFICE, "state", ("bs", "hr", "sr-Latn")),
            Office("Republičko javno tužilaštvo Republike Srpske", OFFICE, "republika_srpska", ("sr-Cyrl", "sr-Latn")),
        ),
        (
            Person("amra.hadzic", "Amra Hadžić", 1, (PROSECUTOR,), "bs"),
            Person("dragan.petrovic", "Драган Петровић", 2, (PROSECUTOR,), "sr-Cyrl"),
            Person("selma.begic", "Selma Begić", 0, (CP,), "bs"),
            Person("ivo.maric", "Ivo Marić", 0, (AUDITOR,), "hr"),
            Person("admin.ba", "Node administrator (BA)", 0, (ADMIN,), "en"),
        ),
    ),
    "RS": Country(
        (
            Office("Министарство правде Републике Србије", CENTRAL, None, ("sr-Cyrl", "sr-Latn")),
            Office("Тужилаштво за организовани криминал", OFFICE, None, ("sr-Cyrl", "sr-Latn")),
            Office("Више јавно тужилаштво у Београду", OFFICE, None, ("sr-Cyrl", "sr-Latn")),
        ),
        (
            Person("milos.jovanovic", "Милош Јовановић", 1, (PROSECUTOR,), "sr-Cyrl"),
            Person("jelena.nikolic", "Jelena Nikolić", 2, (PROSECUTOR,), "sr-Latn"),
            Person("marija.ilic", "Марија Илић", 0, (CP,), "sr-Cyrl"),
            Person("nenad.stojanovic", "Ненад Стојановић", 0, (AUDITOR,), "sr-Cyrl"),
            Person("admin.rs", "Node administrator (RS)", 0, (ADMIN,), "en"),
        ),
    ),
    "HR": Country(
        (
            Office("Ministarstvo pravosuđa i uprave Republike Hrvatske", CENTRAL, None, ("hr",)),
            Office("Ured za suzbijanje korupcije i organiziranog kriminaliteta", OFFICE, None, ("hr",)),
        ),
        (
            Person("ana.horvat", "Ana Horvat", 1, (PROSECUTOR,), "hr"),
            Person("marko.kovac", "Marko Kovač", 1, (PROSECUTOR,), "hr"),
            Person("petra.babic", "Petra Babić", 0, (CP,), "hr"),
            Person("luka.juric", "Luka Jurić", 0, (AUDITOR,), "hr"),
            Person("admin.hr", "Node administrator (HR)", 0, (ADMIN,), "en"),
        ),
    ),
    # An EU neighbour bound by the EIO Directive, so that an EIO can travel (HR ↔ SI). Slovenian is
    # not a language of the pages yet; its people read them in English.
    "SI": Country(
        (
            Office("Ministrstvo za pravosodje Republike Slovenije", CENTRAL, None, ("sl", "en")),
            Office("Okrožno državno tožilstvo v Ljubljani", OFFICE, None, ("sl", "en")),
        ),
        (
            Person("marko.novak", "Marko Novak", 1, (PROSECUTOR,), "en"),
            Person("nina.zupan", "Nina Zupan", 1, (PROSECUTOR,), "en"),
            Person("maja.kranjc", "Maja Kranjc", 0, (CP,), "en"),
            Person("jure.potocnik", "Jure Potočnik", 0, (AUDITOR,), "en"),
            Person("admin.si", "Node administrator (SI)", 0, (ADMIN,), "en"),
        ),
    ),
    "ME": Country(
        (
            Office("Ministarstvo pravde Crne Gore", CENTRAL, None, ("cnr", "sr-Latn")),
            Office("Specijalno državno tužilaštvo", OFFICE, None, ("cnr", "sr-Latn")),
        ),
        (
            Person("vesna.vukovic", "Vesna Vuković", 1, (PROSECUTOR,), "cnr"),
            Person("nikola.radovic", "Nikola Radović", 1, (PROSECUTOR,), "cnr"),
            Person("milica.popovic", "Milica Popović", 0, (CP,), "cnr"),
            Person("boris.kalezic", "Boris Kalezić", 0, (AUDITOR,), "cnr"),
            Person("admin.me", "Node administrator (ME)", 0, (ADMIN,), "en"),
        ),
    ),
    "AL": Country(
        (
            Office("Ministria e Drejtësisë", CENTRAL, None, ("sq",)),
            Office("Prokuroria e Posaçme kundër Korrupsionit dhe Krimit të Organizuar", OFFICE, None, ("sq",)),
        ),
        (
            Person("elira.hoxha", "Elira Hoxha", 1, (PROSECUTOR,), "sq"),
            Person("arben.kola", "Arben Kola", 1, (PROSECUTOR,), "sq"),
            Person("blerta.shehu", "Blerta Shehu", 0, (CP,), "sq"),
            Person("gent.leka", "Gent Leka", 0, (AUDITOR,), "sq"),
            Person("admin.al", "Node administrator (AL)", 0, (ADMIN,), "en"),
        ),
    ),
    "MK": Country(
        (
            Office("Министерство за правда", CENTRAL, None, ("mk",)),
            Office("Јавно обвинителство за гонење организиран криминал и корупција", OFFICE, None, ("mk", "sq")),
        ),
        (
            Person("aleksandar.stojanovski", "Александар Стојановски", 1, (PROSECUTOR,), "mk"),
            Person("ilir.ademi", "Ilir Ademi", 1, (PROSECUTOR,), "sq"),
            Person("biljana.trajkovska", "Билјана Трајковска", 0, (CP,), "mk"),
            Person("goran.petrovski", "Горан Петровски", 0, (AUDITOR,), "mk"),
            Person("admin.mk", "Node administrator (MK)", 0, (ADMIN,), "en"),
        ),
    ),
    "XK": Country(
        (
            Office("Ministria e Drejtësisë", CENTRAL, None, ("sq", "sr-Latn")),
            Office("Prokuroria Speciale e Republikës së Kosovës", OFFICE, None, ("sq", "sr-Latn")),
        ),
        (
            Person("arta.berisha", "Arta Berisha", 1, (PROSECUTOR,), "sq"),
            Person("driton.krasniqi", "Driton Krasniqi", 1, (PROSECUTOR,), "sq"),
            Person("vlora.gashi", "Vlora Gashi", 0, (CP,), "sq"),
            Person("besnik.morina", "Besnik Morina", 0, (AUDITOR,), "sq"),
            Person("admin.xk", "Node administrator (XK)", 0, (ADMIN,), "en"),
        ),
    ),
}


@dataclass(frozen=True)
class Staff:
    """What `seed` created, by username and by office index."""

    users: dict[str, User]
    authorities: list[Authority]

    def user(self, username: str) -> User:
        return self.users[username]


def seed(node: Node, country: str, *, password: str | None = None) -> Staff:
    """Create a country's authorities and people on `node` (with `password` for every account)."""
    plan = COUNTRIES[country]
    authorities = [
        auth.create_authority(
            node, name=office.name, kind=office.kind, jurisdiction=office.jurisdiction, languages=office.languages
        )
        for office in plan.offices
    ]
    users = {
        person.username: auth.create_user(
            node,
            username=person.username,
            display_name=person.display_name,
            authority_id=authorities[person.office].id,
            roles=person.roles,
            language=person.language,
            password=password,
        )
        for person in plan.people
    }
    return Staff(users, authorities)
