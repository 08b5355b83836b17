"""What Exempelbanken is made of: teams, topics, people and the words in its cases.

Personnummer are Skatteverket's published test numbers (never a real person's).
Phone numbers are from PTS's series reserved for fiction (070-1740600 – 070-1740699).
"""

from __future__ import annotations

DEMO_PASSWORD = "nara-demo-2026"  # noqa: S105 - printed by `make demo`, demo data only

# slug, name_sv, name_en, description, is_fallback
TEAMS = [
    ("kundservice", "Kundservice", "Customer Service",
     "Första linjen: chatt, telefon och e-post. Tar emot allt som ingen annan äger.", True),
    ("kort-betalningar", "Kort & betalningar", "Cards & Payments",
     "Kort, Swish, betalningar och överföringar.", False),
    ("konton-legitimering", "Konton & legitimering", "Accounts & Identification",
     "Konton, BankID, personuppgifter och fullmakter.", False),
    ("lan-krediter", "Lån & krediter", "Loans & Credit",
     "Bolån, privatlån, amortering och krediter.", False),
    ("bedrageri-sakerhet", "Bedrägeri & säkerhet", "Fraud & Security",
     "Misstänkta bedrägerier, nätfiske och spärrar.", False),
]  # fmt: skip

# slug, name_sv, name_en, team slugs that handle it

TOPICS = [
    ("kort-har-inte-kommit", "Kortet har inte kommit", "Card has not arrived", ["kort-betalningar"]),  # noqa: E501
    ("kortbetalning-nekad", "Kortbetalning nekad", "Card payment declined", ["kort-betalningar"]),
    ("bestridd-kortbetalning", "Bestrida kortköp", "Dispute a card payment", ["kort-betalningar"]),
    ("swish", "Swish fungerar inte", "Swish is not working", ["kort-betalningar"]),
    ("utlandsbetalning", "Utlandsbetalning", "International transfer", ["kort-betalningar"]),
    ("autogiro", "Autogiro", "Direct debit", ["kort-betalningar"]),
    ("bankid", "BankID", "BankID", ["konton-legitimering", "kundservice"]),
    ("oppna-konto", "Öppna konto", "Open an account", ["konton-legitimering"]),
    ("avsluta-konto", "Avsluta konto", "Close an account", ["konton-legitimering"]),
    ("andra-personuppgifter", "Ändra adress eller namn", "Change address or name", ["konton-legitimering"]),  # noqa: E501
    ("kontoutdrag", "Kontoutdrag och intyg", "Statements and certificates", ["konton-legitimering", "kundservice"]),  # noqa: E501
    ("fullmakt", "Fullmakt", "Power of attorney", ["konton-legitimering"]),
    ("bolanerata", "Bolåneränta", "Mortgage rate", ["lan-krediter"]),
    ("laneansokan", "Låneansökan", "Loan application", ["lan-krediter"]),
    ("amortering", "Amortering", "Amortisation", ["lan-krediter"]),
    ("kreditgrans", "Kreditgräns", "Credit limit", ["lan-krediter"]),
    ("misstankt-bedrageri", "Misstänkt bedrägeri", "Suspected fraud", ["bedrageri-sakerhet"]),
    ("natfiske", "Falskt sms eller mejl", "Phishing text or e-mail", ["bedrageri-sakerhet"]),
    ("stulet-kort", "Stulet eller borttappat kort", "Stolen or lost card", ["bedrageri-sakerhet", "kort-betalningar"]),  # noqa: E501
    ("avgifter", "Avgifter", "Fees", ["kundservice"]),
    ("klagomal", "Klagomål", "Complaint", ["kundservice"]),
    ("inloggning", "Inloggning internetbanken", "Logging in to online banking", ["kundservice"]),
]  # fmt: skip

# e-mail, name, role, team slugs
STAFF = [
    ("admin@exempelbanken.se", "Astrid Adminsson", "admin", []),
    ("karin.lead@exempelbanken.se", "Karin Lindqvist", "lead", ["kundservice"]),
    ("oskar@exempelbanken.se", "Oskar Nilsson", "agent", ["kundservice"]),
    ("fatima@exempelbanken.se", "Fatima Ali", "agent", ["kundservice", "konton-legitimering"]),
    ("johan@exempelbanken.se", "Johan Berg", "agent", ["kundservice"]),
    ("maria.lead@exempelbanken.se", "Maria Eriksson", "lead", ["kort-betalningar"]),
    ("erik@exempelbanken.se", "Erik Johansson", "agent", ["kort-betalningar"]),
    ("sara@exempelbanken.se", "Sara Karlsson", "agent", ["kort-betalningar", "bedrageri-sakerhet"]),
    ("anders.lead@exempelbanken.se", "Anders Persson", "lead", ["konton-legitimering"]),
    ("lina@exempelbanken.se", "Lina Svensson", "agent", ["konton-legitimering"]),
    ("per.lead@exempelbanken.se", "Per Gustafsson", "lead", ["lan-krediter"]),
    ("emma@exempelbanken.se", "Emma Larsson", "agent", ["lan-krediter"]),
    ("ali@exempelbanken.se", "Ali Hassan", "agent", ["lan-krediter"]),
    ("helena.lead@exempelbanken.se", "Helena Olsson", "lead", ["bedrageri-sakerhet"]),
    ("david@exempelbanken.se", "David Andersson", "agent", ["bedrageri-sakerhet"]),
]  # fmt: skip

# Skatteverket test personnummer.
TEST_PERSONNUMMER = [
    "198004262385", "198108222384", "198204212396", "198308172397", "198404152392",
    "198508122382", "198612092380", "198708152387", "198804202383", "198202142397",
]  # fmt: skip

FIRST_NAMES = [
    "Anna", "Lars", "Eva", "Mikael", "Karin", "Peter", "Sofia", "Ahmed", "Ingrid", "Nils",
    "Elin", "Mohammed", "Birgitta", "Gustav", "Maja", "Hanna", "Jonas", "Leila", "Sven", "Ida",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Holm",
]  # fmt: skip

# Portal logins for two customers (the first two customers get them).
CUSTOMER_LOGINS = ["anna.andersson@example.com", "lars.johansson@example.com"]

# What customers write, per topic (Swedish; the demo bank is Swedish).
MESSAGES: dict[str, list[str]] = {
    "kort-har-inte-kommit": [
        "Jag beställde ett nytt kort för två veckor sedan men det har fortfarande inte kommit.",
        "Mitt ersättningskort har inte dykt upp i brevlådan. Var är det?",
    ],
    "kortbetalning-nekad": [
        "Mitt kort nekades i butiken i dag trots att det finns pengar på kontot.",
        "Varför går det inte att betala med kortet på nätet?",
    ],
    "bestridd-kortbetalning": [
        "Jag har en dragning på 1 249 kr från en butik jag aldrig handlat i.",
        "Jag avbokade hotellet men har ändå blivit debiterad. Hur bestrider jag köpet?",
    ],
    "swish": [
        "Swish säger att mottagaren inte kan ta emot betalningar.",
        "Jag kan inte koppla Swish till mitt nya nummer.",
    ],
    "utlandsbetalning": [
        "Hur lång tid tar en betalning till ett konto i Tyskland?",
        "Min överföring till Polen har inte kommit fram efter fem dagar.",
    ],
    "autogiro": [
        "Jag vill stoppa ett autogiro till ett gym jag har sagt upp.",
        "Autogirot för elräkningen drogs två gånger den här månaden.",
    ],
    "bankid": [
        "Mitt BankID har slutat fungera efter att jag bytte telefon.",
        "Jag kan inte förnya mitt BankID, det står att något gick fel.",
    ],
    "oppna-konto": [
        "Jag vill öppna ett sparkonto till mitt barn.",
        "Kan jag öppna ett konto utan BankID? Jag har precis flyttat till Sverige.",
    ],
    "avsluta-konto": ["Jag vill avsluta mitt lönekonto och flytta pengarna till en annan bank."],
    "andra-personuppgifter": [
        "Jag har gift mig och bytt efternamn. Hur uppdaterar jag det hos er?",
        "Min adress är fel i internetbanken.",
    ],
    "kontoutdrag": [
        "Jag behöver ett saldobesked till Försäkringskassan.",
        "Var hittar jag kontoutdrag för förra året?",
    ],
    "fullmakt": ["Jag vill ge min dotter fullmakt att sköta mina räkningar."],
    "bolanerata": [
        "Varför har min bolåneränta höjts när styrräntan sänktes?",
        "Kan jag binda räntan på mitt bolån i tre år?",
    ],
    "laneansokan": [
        "Jag ansökte om privatlån för en vecka sedan och har inte hört något.",
        "Vilka papper behöver ni för en låneansökan?",
    ],
    "amortering": ["Kan jag göra amorteringsfritt i sex månader under föräldraledigheten?"],
    "kreditgrans": ["Jag vill höja kreditgränsen på mitt kreditkort inför en resa."],
    "misstankt-bedrageri": [
        "Någon ringde och sa att de var från banken och bad mig signera med BankID. Jag gjorde det.",  # noqa: E501
        "Det har gjorts tre köp på mitt konto i natt som inte är mina.",
    ],
    "natfiske": [
        "Jag fick ett sms om att mitt konto är spärrat med en länk. Är det från er?",
        "Jag klickade på en länk i ett mejl och skrev in mina kortuppgifter.",
    ],
    "stulet-kort": [
        "Min plånbok blev stulen i dag med kortet i.",
        "Jag har tappat bort mitt kort, kan ni spärra det?",
    ],
    "avgifter": [
        "Varför har jag fått en avgift på 35 kr på kontot?",
        "Vad kostar det att ha ett kort hos er?",
    ],
    "klagomal": [
        "Jag har väntat i telefonkö i 40 minuter utan att komma fram. Det är inte okej.",
        "Jag är missnöjd med hur mitt ärende om lånet hanterades.",
    ],
    "inloggning": [
        "Jag kommer inte in i internetbanken, sidan laddar bara.",
        "Det står att min användare är låst när jag loggar in.",
    ],
}

AGENT_REPLIES = [
    "Tack för att du hör av dig. Jag har tittat på ditt ärende och återkommer senast i morgon.",
    "Hej! Jag har nu åtgärdat detta. Hör av dig om något fortfarande inte stämmer.",
    "Tack! Kan du skicka oss datum och belopp för transaktionen så tittar vi vidare?",
    "Vi har tagit emot ditt ärende och undersöker saken. Du får svar här i ärendet.",
]
CUSTOMER_FOLLOW_UPS = [
    "Tack, nu fungerar det!",
    "Det gällde 1 249 kr den 3:e, köpet gjordes på nätet.",
    "Jag har fortfarande samma problem.",
]
NOTES = [
    "Kontrollerat i kortsystemet: kortet skickades för sex dagar sedan.",
    "Kunden identifierad med BankID i telefon.",
    "Stämt av med Bedrägeri & säkerhet, inga fler misstänkta transaktioner.",
    "Återbetalning begärd, inväntar svar från inlösaren.",
]

# ---- hand-overs (issue 12): why the front line passed a case on for good ----
HANDOVER_REASONS = [
    "Kräver behörighet i specialistsystemet som vi inte har i Kundservice.",
    "Kunden vill att en handläggare tar ärendet vidare; vi har gett besked om tidsram.",
    "Ärendet gäller en kreditprövning, som bara specialistteamet får göra.",
    "Misstänkt bedrägeri: Bedrägeri & säkerhet tar över utredningen.",
]

# ---- consultations (issue 12): what one team asks another inside a case ----
CONSULTATIONS: dict[str, list[tuple[str, str]]] = {
    "kort-betalningar": [
        (
            "Kan ni se om kortet har spärrats automatiskt efter köpet i går?",
            "Ja, spärrat av vår riskregel kl. 14.02. Hävt nu, kunden kan handla igen.",
        ),
        (
            "Kunden vill höja gränsen tillfälligt inför en resa. Går det i dag?",
            "Höjt till 40 000 kr i 14 dagar, gäller från i kväll.",
        ),
    ],
    "konton-legitimering": [
        (
            "Fullmakten för kundens mamma: är den registrerad hos er?",
            "Registrerad sedan i måndags, gäller för betalningar och insyn.",
        ),
        (
            "Kunden kommer inte in med BankID. Ser ni något på er sida?",
            "Ett gammalt BankID låg kvar som spärrat. Borttaget, nytt kan beställas.",
        ),
    ],
    "lan-krediter": [
        (
            "Påverkar kundens nya amorteringsplan hur mycket hen kan låna på kortkrediten?",
            "Nej, krediten prövas separat. Nuvarande gräns gäller.",
        ),
        (
            "Kunden frågar om ränteavdrag för fjolårets bolån. Vilket belopp har ni rapporterat?",
            "Rapporterat 18 420 kr till Skatteverket för hela året.",
        ),
    ],
    "bedrageri-sakerhet": [
        (
            "Kunden har klickat på länken i ett sms från 'banken'. Ska vi spärra mer än kortet?",
            "Spärra även BankID och byt lösenord till appen. Inga transaktioner har gått igenom.",
        ),
        (
            "Ser ni fler misstänkta dragningar än de två kunden nämner?",
            "En till, 1 250 kr i går kväll. Anmäld tillsammans med de andra.",
        ),
    ],
    "kundservice": [
        (
            "Har kunden ringt in om detta tidigare? Hen säger att hen fått olika besked.",
            "Ja, två samtal förra veckan. Hen fick rätt besked men kortet var redan skickat.",
        ),
    ],
}

# ---- service levels (issue 5) ----
WEEKDAYS_8_17 = {d: "08:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
CALENDARS: dict[str, dict[str, object]] = {
    # The front line is open longer and on Saturdays; fraud is open around the clock.
    "kundservice": {"hours": {**{d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu",
                                                           "fri")}, "sat": "10:00-14:00"},
                    "callback_slot_minutes": 15, "callback_capacity": 3},
    "kort-betalningar": {"hours": WEEKDAYS_8_17, "callback_slot_minutes": 15,
                         "callback_capacity": 2},
    "konton-legitimering": {"hours": WEEKDAYS_8_17, "callback_slot_minutes": 20,
                            "callback_capacity": 1},
    "lan-krediter": {"hours": {d: "09:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                     "callback_slot_minutes": 30, "callback_capacity": 2},
    "bedrageri-sakerhet": {"hours": {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu",
                                                                "fri", "sat", "sun")},
                           "holiday_country": None, "callback_slot_minutes": 15,
                           "callback_capacity": 2},
}  # fmt: skip
# (topic slug or None, priority or None, first response, resolution) in business minutes
PROMISES: list[tuple[str | None, str | None, int, int]] = [
    (None, None, 240, 1620),  # 4 h to a first answer, three working days to a solution
    (None, "high", 120, 960),
    (None, "urgent", 30, 480),
    ("misstankt-bedrageri", None, 30, 480),
    ("stulet-kort", None, 15, 240),
    ("klagomal", None, 480, 2700),  # complaints: a day, and five days to a decision
]
# Staff who are at work when the demo starts (team slug per e-mail).
AVAILABLE = {
    "oskar@exempelbanken.se": "kundservice",
    "fatima@exempelbanken.se": "kundservice",
    "erik@exempelbanken.se": "kort-betalningar",
}
