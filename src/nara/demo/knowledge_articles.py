"""Exempelbanken's knowledge articles: one per demo topic, in Swedish and English.

Each entry maps a topic slug (see ``nara.demo.content.TOPICS``) to a language code and a
``(title, body_markdown)`` pair. The texts are generic demo content for a fictional bank:
no real bank names, phone numbers or external links. "/cases/new" is where a customer
starts a case with a person.
"""

from __future__ import annotations

ARTICLES: dict[str, dict[str, tuple[str, str]]] = {}

ARTICLES["kort-har-inte-kommit"] = {
    "sv": (
        "Kortet har inte kommit",
        "Ett nytt kort skickas normalt med vanlig post och brukar komma inom 5–7 bankdagar. "
        "Kortet och koden skickas alltid i separata brev.\n\n"
        "## Så gör du\n\n"
        "1. Kontrollera att din adress stämmer i appen under Mina uppgifter.\n"
        "2. Se efter i appen om kortet står som skickat och vilket datum.\n"
        "3. Vänta minst sju bankdagar från det datumet, postgången kan variera.\n"
        "4. Har kortet inte kommit efter det: spärra det i appen och beställ ett nytt. "
        "Spärren gäller direkt, dygnet runt.\n\n"
        "## Bra att veta\n\n"
        "Vi kan inte spåra enskilda brev hos posten, men vi kan skicka ett ersättningskort "
        "utan kostnad. Har du fått ett brev med kod men inget kort, eller tror du att "
        "kortet har hamnat hos någon annan, [kontakta oss](/cases/new).",
    ),
    "en": (
        "Your card has not arrived",
        "A new card is normally sent by regular post and usually arrives within 5–7 banking "
        "days. The card and its PIN are always sent in separate letters.\n\n"
        "## What to do\n\n"
        "1. Check that your address is correct in the app under My details.\n"
        "2. Look in the app to see whether the card has been sent, and on which date.\n"
        "3. Wait at least seven banking days from that date, as post can vary.\n"
        "4. If the card still has not arrived: block it in the app and order a new one. "
        "The block takes effect immediately, 24/7.\n\n"
        "## Good to know\n\n"
        "We cannot track individual letters with the postal service, but we can send a "
        "replacement card free of charge. If you received a PIN letter but no card, or you "
        "think the card has ended up with someone else, [contact us](/cases/new).",
    ),
}

ARTICLES["kortbetalning-nekad"] = {
    "sv": (
        "Kortbetalning nekad",
        "Ett nekat köp beror oftast på något som går att lösa själv på några minuter.\n\n"
        "## Kontrollera det här\n\n"
        "- **Saldo och köpgräns:** Finns det pengar på kontot, och räcker dagens köpgräns? "
        "Gränsen kan du ändra i appen.\n"
        "- **Spärr eller inställningar:** Se i appen att kortet inte är spärrat och att "
        "köp på nätet eller utomlands är tillåtna.\n"
        "- **Utgångsdatum:** Är kortet giltigt, och har du uppdaterat uppgifterna hos "
        "butiken efter att du fått ett nytt kort?\n"
        "- **Nätköp:** Köpet måste ofta godkännas med BankID. Avbryter du eller tar det "
        "för lång tid nekas det.\n"
        "- **Fel kod:** Efter flera felaktiga försök låses koden tillfälligt.\n\n"
        "Ibland stoppar vår säkerhetskontroll ett ovanligt köp. Då får du oftast ett "
        "meddelande i appen där du kan bekräfta att det var du. Hittar du ingen förklaring, "
        "[skapa ett ärende](/cases/new) så tittar vi på det.",
    ),
    "en": (
        "Card payment declined",
        "A declined payment usually has a cause you can fix yourself in a few minutes.\n\n"
        "## Check the following\n\n"
        "- **Balance and spending limit:** Is there money in the account, and is today's "
        "limit high enough? You can change the limit in the app.\n"
        "- **Block or settings:** Check in the app that the card is not blocked and that "
        "online or foreign purchases are allowed.\n"
        "- **Expiry date:** Is the card valid, and have you updated the details with the "
        "shop since you got a new card?\n"
        "- **Online purchases:** These often need approval with BankID. If you cancel or "
        "take too long, the payment is declined.\n"
        "- **Wrong PIN:** After several incorrect attempts the PIN is temporarily locked.\n\n"
        "Sometimes our security checks stop an unusual purchase. You will then usually get a "
        "message in the app where you can confirm it was you. If you cannot find the cause, "
        "[create a case](/cases/new) and we will look into it.",
    ),
}

ARTICLES["bestridd-kortbetalning"] = {
    "sv": (
        "Bestrida ett kortköp",
        "Ser du ett kortköp som du inte känner igen, eller har du inte fått det du betalat "
        "för, kan du bestrida köpet. Agera snabbt: ju tidigare du hör av dig, desto bättre.\n\n"
        "## Så gör du\n\n"
        "1. Kontrollera först att köpet inte är ditt. Butikens namn på kontoutdraget kan "
        "skilja sig från det du känner igen.\n"
        "2. Är köpet obehörigt: spärra kortet direkt i appen, dygnet runt.\n"
        "3. Gäller det en vara eller tjänst som uteblivit: kontakta säljaren först och "
        "spara deras svar.\n"
        "4. [Skapa ett ärende](/cases/new) med datum, belopp och vad som hänt. Bifoga "
        "kvitton eller mejl om du har.\n\n"
        "## Vad händer sedan?\n\n"
        "Vi utreder köpet tillsammans med kortnätverket och säljarens bank. Det tar ofta "
        "några veckor, ibland längre. Vi kan inte garantera att du får pengarna tillbaka, "
        "men vi håller dig informerad i ärendet.",
    ),
    "en": (
        "Dispute a card payment",
        "If you see a card payment you do not recognise, or you never received what you paid "
        "for, you can dispute it. Act quickly: the sooner you get in touch, the better.\n\n"
        "## What to do\n\n"
        "1. First check that the purchase is not yours. The merchant name on your statement "
        "may differ from the one you know.\n"
        "2. If the payment is unauthorised: block the card in the app right away, 24/7.\n"
        "3. If goods or a service never arrived: contact the seller first and keep their "
        "reply.\n"
        "4. [Create a case](/cases/new) with the date, amount and what happened. Attach "
        "receipts or e-mails if you have them.\n\n"
        "## What happens next?\n\n"
        "We investigate together with the card network and the seller's bank. This often "
        "takes a few weeks, sometimes longer. We cannot guarantee a refund, but we will keep "
        "you updated in the case.",
    ),
}

ARTICLES["swish"] = {
    "sv": (
        "Swish fungerar inte",
        "De flesta problem med Swish löser du själv i några enkla steg.\n\n"
        "## Felsök i den här ordningen\n\n"
        "1. Uppdatera Swish-appen och vår bankapp till senaste versionen.\n"
        "2. Kontrollera att ditt BankID fungerar, till exempel genom att logga in i "
        "bankappen.\n"
        "3. Se efter att det finns pengar på kontot och att du inte nått din Swish-gräns. "
        "Gränsen ändrar du i bankappen.\n"
        "4. Har du bytt telefonnummer? Då behöver du koppla det nya numret till Swish i "
        "bankappen innan du kan använda det.\n"
        "5. Står det att mottagaren inte kan ta emot betalningar har mottagaren inte Swish "
        "kopplat till sitt nummer. Det kan bara mottagaren själv ändra.\n\n"
        "## Bra att veta\n\n"
        "En Swish-betalning går inte att ångra när den väl är genomförd. Har du swishat "
        "till fel person, be mottagaren betala tillbaka. Har du blivit lurad att swisha, "
        "[kontakta oss direkt](/cases/new).",
    ),
    "en": (
        "Swish is not working",
        "Most Swish problems can be solved in a few simple steps.\n\n"
        "## Troubleshoot in this order\n\n"
        "1. Update the Swish app and our banking app to the latest version.\n"
        "2. Check that your BankID works, for example by logging in to the banking app.\n"
        "3. Make sure there is money in the account and that you have not reached your "
        "Swish limit. You can change the limit in the banking app.\n"
        "4. Have you changed phone number? Then you need to connect the new number to Swish "
        "in the banking app before you can use it.\n"
        "5. If it says the recipient cannot receive payments, the recipient has no Swish "
        "connected to their number. Only they can change that.\n\n"
        "## Good to know\n\n"
        "A Swish payment cannot be reversed once it has gone through. If you sent money to "
        "the wrong person, ask them to pay it back. If you were tricked into sending money, "
        "[contact us right away](/cases/new).",
    ),
}

ARTICLES["utlandsbetalning"] = {
    "sv": (
        "Betala till ett konto utomlands",
        "Du gör utlandsbetalningar i appen eller internetbanken under Betala.\n\n"
        "## Så gör du\n\n"
        "1. Ha mottagarens IBAN och, för betalningar utanför EU/EES, även BIC/SWIFT-kod, "
        "namn och adress.\n"
        "2. Välj valuta och belopp. Du ser vår växelkurs och avgift innan du godkänner.\n"
        "3. Signera med BankID.\n\n"
        "## Hur lång tid tar det?\n\n"
        "- Betalningar i euro inom EU/EES är oftast framme inom 1–2 bankdagar.\n"
        "- Andra valutor och länder tar ofta 2–5 bankdagar, ibland längre om betalningen "
        "går via flera banker.\n\n"
        "Vi kan inte påverka hur snabbt mottagarens bank hanterar pengarna. Har betalningen "
        "inte kommit fram efter fem bankdagar, eller har du skrivit fel uppgifter, "
        "[skapa ett ärende](/cases/new) så kan vi efterforska den. En efterforskning kan "
        "medföra en avgift.",
    ),
    "en": (
        "Pay to an account abroad",
        "You make international payments in the app or online bank under Pay.\n\n"
        "## How to do it\n\n"
        "1. Have the recipient's IBAN ready and, for payments outside the EU/EEA, also the "
        "BIC/SWIFT code, name and address.\n"
        "2. Choose currency and amount. You see our exchange rate and fee before you "
        "approve.\n"
        "3. Sign with BankID.\n\n"
        "## How long does it take?\n\n"
        "- Euro payments within the EU/EEA usually arrive within 1–2 banking days.\n"
        "- Other currencies and countries often take 2–5 banking days, sometimes longer if "
        "the payment passes through several banks.\n\n"
        "We cannot control how quickly the recipient's bank handles the money. If the "
        "payment has not arrived after five banking days, or you entered the wrong details, "
        "[create a case](/cases/new) and we can trace it. A trace may incur a fee.",
    ),
}

ARTICLES["autogiro"] = {
    "sv": (
        "Autogiro – starta, stoppa och ändra",
        "Med autogiro dras räkningar automatiskt från ditt konto på förfallodagen. Dina "
        "medgivanden ser du i appen under Betala och Autogiro.\n\n"
        "## Vanliga ärenden\n\n"
        "- **Starta:** Anmäl autogiro hos företaget eller godkänn deras förfrågan i appen.\n"
        "- **Stoppa en enskild dragning:** Gör det i appen senast bankdagen före "
        "förfallodagen.\n"
        "- **Avsluta ett medgivande:** Ta bort det i appen. Meddela gärna företaget också, "
        "så att de inte skickar fler dragningar.\n"
        "- **Dubbel eller felaktig dragning:** Kontakta först företaget, som ofta kan "
        "betala tillbaka snabbast.\n\n"
        "## Bra att veta\n\n"
        "Att avsluta autogirot säger inte upp ditt avtal med företaget, till exempel ett "
        "gymkort. Det måste du göra hos dem. Får du inte rätt på en felaktig dragning, "
        "[skapa ett ärende](/cases/new) så hjälper vi dig att begära tillbaka pengarna.",
    ),
    "en": (
        "Direct debit – start, stop and change",
        "With direct debit (autogiro), bills are paid automatically from your account on the "
        "due date. You find your mandates in the app under Pay and Direct debit.\n\n"
        "## Common tasks\n\n"
        "- **Start:** Sign up with the company or approve their request in the app.\n"
        "- **Stop a single payment:** Do it in the app no later than the banking day "
        "before the due date.\n"
        "- **End a mandate:** Remove it in the app. It is a good idea to tell the company "
        "too, so they stop sending payment requests.\n"
        "- **Double or incorrect payment:** Contact the company first; they can often "
        "refund you fastest.\n\n"
        "## Good to know\n\n"
        "Ending a direct debit does not cancel your contract with the company, such as a "
        "gym membership. You must do that with them. If an incorrect payment is not "
        "resolved, [create a case](/cases/new) and we will help you claim the money back.",
    ),
}

ARTICLES["bankid"] = {
    "sv": (
        "BankID – skaffa, förnya och felsöka",
        "BankID är din e-legitimation för att logga in och signera hos oss och många "
        "andra.\n\n"
        "## Vanliga situationer\n\n"
        "- **Ny telefon:** BankID följer inte med automatiskt. Beställ ett nytt i appen "
        "med ditt gamla BankID, eller i internetbanken med kortdosa.\n"
        "- **Förnya:** Ett mobilt BankID gäller i flera år. Du får en påminnelse i god tid "
        "och förnyar direkt i appen.\n"
        "- **Något gick fel:** Uppdatera BankID-appen, starta om telefonen och kontrollera "
        "att datum och tid är automatiska.\n"
        "- **Glömd säkerhetskod:** Då behöver du skaffa ett nytt BankID.\n\n"
        "## Skydda ditt BankID\n\n"
        "Legitimera dig eller signera bara när du själv har tagit initiativet. Vi ringer "
        "aldrig och ber dig öppna BankID. Har du inget fungerande BankID eller kortdosa "
        "kan du behöva visa giltig legitimation på ett kontor. "
        "[Skapa ett ärende](/cases/new) om du kör fast.",
    ),
    "en": (
        "BankID – get, renew and troubleshoot",
        "BankID is your electronic ID for logging in and signing with us and many other "
        "services.\n\n"
        "## Common situations\n\n"
        "- **New phone:** BankID does not move over automatically. Order a new one in the "
        "app using your old BankID, or in the online bank with a card reader.\n"
        "- **Renew:** A Mobile BankID is valid for several years. You get a reminder well "
        "in advance and renew it in the app.\n"
        "- **Something went wrong:** Update the BankID app, restart your phone and check "
        "that date and time are set automatically.\n"
        "- **Forgotten security code:** You need to get a new BankID.\n\n"
        "## Protect your BankID\n\n"
        "Only identify yourself or sign when you started the action yourself. We never call "
        "and ask you to open BankID. Without a working BankID or card reader you may need "
        "to show valid ID at a branch. [Create a case](/cases/new) if you get stuck.",
    ),
}

ARTICLES["oppna-konto"] = {
    "sv": (
        "Öppna ett konto",
        "Har du BankID och svenskt personnummer öppnar du de flesta konton direkt i appen "
        "på några minuter.\n\n"
        "## Så gör du\n\n"
        "1. Logga in och välj Öppna konto.\n"
        "2. Välj kontotyp, till exempel lönekonto, sparkonto eller konto till barn.\n"
        "3. Svara på frågorna om hur du ska använda kontot. Alla banker måste enligt lag "
        "ställa sådana frågor.\n"
        "4. Signera med BankID. Kontot syns oftast direkt.\n\n"
        "## Utan BankID eller till barn\n\n"
        "- Har du precis flyttat till Sverige eller saknar BankID: boka ett besök på ett "
        "kontor och ta med pass eller annan giltig legitimation.\n"
        "- Konto till barn öppnar vårdnadshavaren. Ibland behöver båda vårdnadshavarna "
        "godkänna.\n\n"
        "Vi kan behöva fler uppgifter innan kontot öppnas, vilket kan ta några dagar. "
        "Har du frågor, [kontakta oss](/cases/new).",
    ),
    "en": (
        "Open an account",
        "If you have BankID and a Swedish personal identity number, you can open most "
        "accounts in the app in a few minutes.\n\n"
        "## How to do it\n\n"
        "1. Log in and choose Open account.\n"
        "2. Choose the account type, such as salary account, savings account or an account "
        "for a child.\n"
        "3. Answer the questions about how you will use the account. All banks are required "
        "by law to ask them.\n"
        "4. Sign with BankID. The account usually appears right away.\n\n"
        "## Without BankID or for a child\n\n"
        "- If you have just moved to Sweden or have no BankID: book a visit to a branch "
        "and bring your passport or other valid ID.\n"
        "- A legal guardian opens an account for a child. Sometimes both guardians need to "
        "approve.\n\n"
        "We may need more information before opening the account, which can take a few days. "
        "If you have questions, [contact us](/cases/new).",
    ),
}

ARTICLES["avsluta-konto"] = {
    "sv": (
        "Avsluta ett konto",
        "Du kan avsluta ett konto när du vill. Det kostar inget.\n\n"
        "## Innan du avslutar\n\n"
        "1. Flytta autogiron, lön och andra insättningar till ditt nya konto. Meddela din "
        "arbetsgivare och de företag som drar pengar.\n"
        "2. Ta bort eller flytta kommande betalningar och stående överföringar.\n"
        "3. Ladda ner kontoutdrag som du vill spara, till exempel inför deklarationen.\n"
        "4. Avsluta kontot i appen under kontots inställningar och ange vart pengarna ska "
        "föras över. Signera med BankID.\n\n"
        "## Bra att veta\n\n"
        "- Kort som är kopplade till kontot slutar fungera när kontot avslutas.\n"
        "- Räntan räknas fram till avslutsdagen och betalas ut tillsammans med saldot.\n"
        "- Ett konto med lån, kredit eller pågående bestridande kan inte alltid avslutas "
        "direkt.\n\n"
        "Går det inte att avsluta kontot i appen, eller är det ett gemensamt konto eller "
        "ett dödsbo, [skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Close an account",
        "You can close an account whenever you like, free of charge.\n\n"
        "## Before you close it\n\n"
        "1. Move direct debits, salary and other deposits to your new account. Tell your "
        "employer and any companies that take payments.\n"
        "2. Remove or move upcoming payments and standing transfers.\n"
        "3. Download any statements you want to keep, for example for your tax return.\n"
        "4. Close the account in the app under the account settings and choose where the "
        "money should go. Sign with BankID.\n\n"
        "## Good to know\n\n"
        "- Cards linked to the account stop working when it is closed.\n"
        "- Interest is calculated up to the closing date and paid out with the balance.\n"
        "- An account with a loan, credit or ongoing dispute cannot always be closed "
        "straight away.\n\n"
        "If you cannot close the account in the app, or it is a joint account or an "
        "estate, [create a case](/cases/new).",
    ),
}

ARTICLES["andra-personuppgifter"] = {
    "sv": (
        "Ändra adress eller namn",
        "Vi hämtar adress och namn från folkbokföringen hos Skatteverket. Därför ändrar du "
        "dem i första hand där, inte hos oss.\n\n"
        "## Så gör du\n\n"
        "1. **Flytt:** Anmäl flytten till Skatteverket. Den nya adressen brukar synas hos "
        "oss inom någon vecka efter att den registrerats.\n"
        "2. **Nytt namn:** Namnbyten registreras hos Skatteverket. Vi uppdaterar ditt namn "
        "automatiskt när ändringen är klar.\n"
        "3. **Telefon och e-post:** Dessa ändrar du själv i appen under Mina uppgifter.\n\n"
        "## Bra att veta\n\n"
        "- Vi kan inte ändra en folkbokförd adress manuellt.\n"
        "- Bor du tillfälligt någon annanstans kan du anmäla en särskild postadress hos "
        "Skatteverket.\n"
        "- Efter ett namnbyte kan du beställa nya kort med rätt namn i appen.\n\n"
        "Stämmer uppgifterna fortfarande inte efter två veckor, eller har du skyddade "
        "personuppgifter eller bor utomlands, [skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Change address or name",
        "We get your address and name from the population register at Skatteverket (the "
        "Swedish Tax Agency). So you change them there, not with us.\n\n"
        "## How to do it\n\n"
        "1. **Moving:** Report your move to Skatteverket. The new address usually shows "
        "with us within a week or so of being registered.\n"
        "2. **New name:** Name changes are registered with Skatteverket. We update your "
        "name automatically once the change is complete.\n"
        "3. **Phone and e-mail:** You change these yourself in the app under My details.\n\n"
        "## Good to know\n\n"
        "- We cannot change a registered address manually.\n"
        "- If you live somewhere else temporarily, you can register a special postal "
        "address with Skatteverket.\n"
        "- After a name change you can order new cards with the right name in the app.\n\n"
        "If your details are still wrong after two weeks, or you have protected personal "
        "data or live abroad, [create a case](/cases/new).",
    ),
}

ARTICLES["kontoutdrag"] = {
    "sv": (
        "Kontoutdrag och intyg",
        "De flesta kontoutdrag och intyg kan du hämta själv, dygnet runt.\n\n"
        "## Så hittar du dem\n\n"
        "1. Logga in i appen eller internetbanken.\n"
        "2. Välj kontot och sedan Kontoutdrag. Här kan du välja period och ladda ner en "
        "PDF.\n"
        "3. Saldobesked, ränteintyg och årsbesked finns under Dokument.\n\n"
        "## Vanliga frågor\n\n"
        "- **Intyg till en myndighet:** Ett saldobesked eller kontoutdrag som PDF räcker "
        "oftast. Kontrollera vad mottagaren kräver.\n"
        "- **Årsbesked:** Publiceras i början av året och lämnas även till Skatteverket "
        "inför deklarationen.\n"
        "- **Äldre uppgifter:** Det som inte finns i appen kan vi ofta ta fram, men det "
        "kan ta några bankdagar och ibland kosta en avgift.\n\n"
        "Behöver du ett intyg med underskrift, ett engelskspråkigt intyg eller uppgifter "
        "om ett avslutat konto, [skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Statements and certificates",
        "You can get most statements and certificates yourself, 24/7.\n\n"
        "## Where to find them\n\n"
        "1. Log in to the app or online bank.\n"
        "2. Choose the account and then Statements. Pick a period and download a PDF.\n"
        "3. Balance certificates, interest certificates and annual statements are under "
        "Documents.\n\n"
        "## Common questions\n\n"
        "- **Certificate for an authority:** A balance certificate or statement as a PDF is "
        "usually enough. Check what the recipient requires.\n"
        "- **Annual statement:** Published early in the year and also reported to "
        "Skatteverket for your tax return.\n"
        "- **Older records:** We can often retrieve what is not in the app, but it may take "
        "a few banking days and sometimes a fee.\n\n"
        "If you need a signed certificate, a certificate in English or records from a "
        "closed account, [create a case](/cases/new).",
    ),
}

ARTICLES["fullmakt"] = {
    "sv": (
        "Fullmakt – låt någon sköta dina bankärenden",
        "Med en fullmakt kan du låta en person du litar på sköta vissa bankärenden åt "
        "dig, till exempel betala räkningar.\n\n"
        "## Så gör du\n\n"
        "1. Bestäm vad fullmakten ska gälla: ett visst konto, betalningar eller fler "
        "ärenden.\n"
        "2. Beställ fullmakten i appen och signera med BankID. Den du ger fullmakt "
        "behöver också signera.\n"
        "3. Fullmakten börjar gälla när vi har registrerat den, oftast inom några "
        "bankdagar.\n\n"
        "## Bra att veta\n\n"
        "- Den du ger fullmakt loggar in med sitt eget BankID. Lämna aldrig ut ditt.\n"
        "- Du kan återkalla fullmakten när du vill.\n"
        "- En bankfullmakt är inte samma sak som en framtidsfullmakt eller ett "
        "godmanskap. De gäller om du inte längre kan fatta beslut själv.\n"
        "- Vi kan inte godta en fullmakt som vi har skäl att tro att du inte själv har "
        "gett.\n\n"
        "Vill du visa upp en framtidsfullmakt eller ett beslut om god man, "
        "[skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Power of attorney – let someone handle your banking",
        "With a power of attorney you can let someone you trust handle certain banking "
        "matters for you, such as paying bills.\n\n"
        "## How to do it\n\n"
        "1. Decide what it should cover: one account, payments or more.\n"
        "2. Order the power of attorney in the app and sign with BankID. The person you "
        "authorise also needs to sign.\n"
        "3. It applies once we have registered it, usually within a few banking days.\n\n"
        "## Good to know\n\n"
        "- The person you authorise logs in with their own BankID. Never share yours.\n"
        "- You can revoke it at any time.\n"
        "- A bank power of attorney is not the same as a lasting power of attorney or a "
        "court-appointed guardian, which apply if you can no longer decide for yourself.\n"
        "- We cannot accept a power of attorney we have reason to believe you did not "
        "give yourself.\n\n"
        "To present a lasting power of attorney or a guardianship decision, "
        "[create a case](/cases/new).",
    ),
}

ARTICLES["bolanerata"] = {
    "sv": (
        "Bolåneränta – rörlig eller bunden",
        "Din aktuella ränta, bindningstid och nästa ändringsdag ser du i appen under Lån.\n\n"
        "## Rörlig eller bunden ränta\n\n"
        "- **Rörlig ränta** (tre månader) följer marknaden och kan både gå upp och ned. "
        "Du kan lösa lånet utan extra kostnad.\n"
        "- **Bunden ränta** är densamma under hela bindningstiden. Löser du lånet i förtid "
        "kan en ränteskillnadsersättning tillkomma.\n\n"
        "## Vanliga frågor\n\n"
        "- **Varför följer inte räntan styrräntan?** Styrräntan påverkar, men vår "
        "upplåningskostnad och andra faktorer spelar också in. Ändringar slår dessutom "
        "igenom först på nästa ändringsdag.\n"
        "- **Binda räntan:** Du kan binda hela eller delar av lånet i appen. Den nya "
        "räntan gäller från nästa ändringsdag.\n"
        "- **Din personliga ränta:** Den beror bland annat på belåningsgrad och ditt "
        "övriga engagemang hos oss.\n\n"
        "Vill du diskutera din ränta med en rådgivare, [skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Mortgage rate – variable or fixed",
        "Your current rate, fixed period and next rate change date are shown in the app "
        "under Loans.\n\n"
        "## Variable or fixed rate\n\n"
        "- **Variable rate** (three months) follows the market and can go up or down. You "
        "can repay the loan at no extra cost.\n"
        "- **Fixed rate** stays the same for the whole fixed period. If you repay early, an "
        "interest rate differential fee may apply.\n\n"
        "## Common questions\n\n"
        "- **Why does my rate not follow the policy rate?** The policy rate matters, but so "
        "do our funding costs and other factors. Changes also only take effect on your next "
        "rate change date.\n"
        "- **Fixing the rate:** You can fix all or part of the loan in the app. The new "
        "rate applies from the next change date.\n"
        "- **Your personal rate:** It depends on things like your loan-to-value ratio and "
        "your overall business with us.\n\n"
        "To discuss your rate with an adviser, [create a case](/cases/new).",
    ),
}

ARTICLES["laneansokan"] = {
    "sv": (
        "Ansöka om lån",
        "Du ansöker om privatlån eller lånelöfte för bolån i appen eller internetbanken.\n\n"
        "## Så går det till\n\n"
        "1. Fyll i ansökan med belopp, löptid, inkomst och boendekostnader.\n"
        "2. Signera med BankID. Vi tar en kreditupplysning, och du får ett besked om det.\n"
        "3. Vi kan be om kompletteringar, till exempel lönespecifikationer, "
        "anställningsintyg eller uppgifter om andra lån. Ladda upp dem i appen.\n"
        "4. När allt är klart får du ett beslut i appen.\n\n"
        "## Hur lång tid tar det?\n\n"
        "Enklare privatlån får ofta besked samma dag. Lånelöften och ansökningar som "
        "behöver kompletteras tar oftast några bankdagar.\n\n"
        "Vi gör alltid en kreditprövning och kan inte bevilja lån som vi bedömer att du "
        "inte har råd med. Har du inte hört något efter en vecka, eller vill du veta mer "
        "om ett avslag, [skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Apply for a loan",
        "You apply for a personal loan or a mortgage pre-approval in the app or online "
        "bank.\n\n"
        "## How it works\n\n"
        "1. Fill in the amount, term, income and housing costs.\n"
        "2. Sign with BankID. We run a credit check, and you are notified about it.\n"
        "3. We may ask for more documents, such as payslips, proof of employment or details "
        "of other loans. Upload them in the app.\n"
        "4. Once everything is in place, you get a decision in the app.\n\n"
        "## How long does it take?\n\n"
        "Simpler personal loans often get an answer the same day. Pre-approvals and "
        "applications that need more documents usually take a few banking days.\n\n"
        "We always assess your ability to pay and cannot grant a loan we judge you cannot "
        "afford. If you have not heard from us after a week, or want to know more about a "
        "rejection, [create a case](/cases/new).",
    ),
}

ARTICLES["amortering"] = {
    "sv": (
        "Amortering på bolån",
        "Hur mycket du amorterar på ditt bolån ser du i appen under Lån. För de flesta "
        "nya bolån gäller amorteringskrav, som beror på belåningsgraden och ibland på din "
        "inkomst.\n\n"
        "## Ändra din amortering\n\n"
        "- **Amortera mer:** Du kan höja amorteringen eller göra en extra inbetalning i "
        "appen när du vill. På lån med bunden ränta kan det kosta en "
        "ränteskillnadsersättning.\n"
        "- **Amortera mindre:** Går bara om ditt lån tillåter det enligt "
        "amorteringskravet.\n\n"
        "## Tillfälligt amorteringsfritt\n\n"
        "Vid särskilda skäl, till exempel föräldraledighet, arbetslöshet, sjukdom eller "
        "dödsfall i familjen, kan vi ge tillfälligt undantag från amorteringskravet. Vi "
        "gör alltid en individuell bedömning och kan inte lova undantag i förväg.\n\n"
        "1. [Skapa ett ärende](/cases/new) och berätta om din situation.\n"
        "2. Bifoga underlag, till exempel beslut om föräldrapenning.\n"
        "3. Vi svarar oftast inom några bankdagar.",
    ),
    "en": (
        "Mortgage amortisation",
        "You can see how much you amortise on your mortgage in the app under Loans. Most new "
        "mortgages are covered by the amortisation requirement, which depends on your "
        "loan-to-value ratio and sometimes your income.\n\n"
        "## Change your amortisation\n\n"
        "- **Pay more:** You can raise your amortisation or make an extra payment in the "
        "app at any time. On fixed-rate loans an interest rate differential fee may "
        "apply.\n"
        "- **Pay less:** Only possible if the requirement allows it for your loan.\n\n"
        "## Temporary pause\n\n"
        "For special reasons, such as parental leave, unemployment, illness or a death in "
        "the family, we can grant a temporary exemption. We always assess each case "
        "individually and cannot promise an exemption in advance.\n\n"
        "1. [Create a case](/cases/new) and describe your situation.\n"
        "2. Attach documents, for example a decision on parental benefit.\n"
        "3. We usually reply within a few banking days.",
    ),
}

ARTICLES["kreditgrans"] = {
    "sv": (
        "Ändra kreditgränsen",
        "Kreditgränsen på ditt kreditkort eller din kontokredit ser du i appen under "
        "Kort eller Lån.\n\n"
        "## Höja kreditgränsen\n\n"
        "1. Välj kortet eller krediten i appen och sedan Ändra kreditgräns.\n"
        "2. Ange önskad gräns och uppdatera uppgifterna om inkomst och utgifter.\n"
        "3. Signera med BankID. Vi gör en ny kreditprövning, som kan innebära en "
        "kreditupplysning.\n"
        "4. Du får oftast besked direkt, ibland inom några bankdagar om vi behöver mer "
        "underlag.\n\n"
        "## Sänka kreditgränsen\n\n"
        "Det kan du göra själv i appen när du vill, och det gäller direkt. En lägre gräns "
        "kan vara ett bra skydd om du vill ha bättre kontroll på dina utgifter.\n\n"
        "Vi kan inte höja gränsen om kreditprövningen inte räcker till. Planerar du en "
        "resa, ansök i god tid. Har du frågor om ett avslag eller har du svårt att betala, "
        "[skapa ett ärende](/cases/new) så hjälper vi dig.",
    ),
    "en": (
        "Change your credit limit",
        "You find the credit limit on your credit card or overdraft in the app under Cards "
        "or Loans.\n\n"
        "## Raise the limit\n\n"
        "1. Choose the card or credit in the app, then Change credit limit.\n"
        "2. Enter the limit you want and update your income and expenses.\n"
        "3. Sign with BankID. We make a new credit assessment, which may include a credit "
        "check.\n"
        "4. You usually get an answer straight away, or within a few banking days if we "
        "need more documents.\n\n"
        "## Lower the limit\n\n"
        "You can do this yourself in the app at any time, and it applies immediately. A "
        "lower limit can help you keep your spending under control.\n\n"
        "We cannot raise the limit if the assessment does not support it. If you are "
        "planning a trip, apply in good time. If you have questions about a rejection or "
        "are struggling to pay, [create a case](/cases/new) and we will help.",
    ),
}

ARTICLES["misstankt-bedrageri"] = {
    "sv": (
        "Misstänkt bedrägeri – gör så här direkt",
        "Har du signerat något med BankID på någons uppmaning, lämnat ut kortuppgifter "
        "eller ser du transaktioner som inte är dina? Agera genast, varje minut räknas.\n\n"
        "## Gör så här nu\n\n"
        "1. Spärra dina kort i appen. Det går dygnet runt och gäller direkt.\n"
        "2. [Skapa ett ärende](/cases/new) och välj Misstänkt bedrägeri. Skriv vad som "
        "hänt och vilka transaktioner det gäller. Vi kan spärra ditt BankID och din "
        "inloggning.\n"
        "3. Avbryt kontakten med bedragaren. Signera ingenting mer.\n"
        "4. Polisanmäl händelsen och skicka oss diarienumret.\n\n"
        "## Vad vi kan och inte kan göra\n\n"
        "Vi försöker stoppa eller återkalla betalningar, men pengar som redan har lämnat "
        "banken går inte alltid att få tillbaka. Vi utreder varje fall och hör av oss "
        "inom några bankdagar.\n\n"
        "Kom ihåg: vi ringer aldrig och ber dig logga in, signera med BankID eller flytta "
        "pengar till ett säkert konto.",
    ),
    "en": (
        "Suspected fraud – act now",
        "Have you signed something with BankID because someone asked you to, given out "
        "card details, or do you see transactions that are not yours? Act right away: "
        "every minute counts.\n\n"
        "## Do this now\n\n"
        "1. Block your cards in the app. It works 24/7 and takes effect immediately.\n"
        "2. [Create a case](/cases/new) and choose Suspected fraud. Describe what happened "
        "and which transactions are affected. We can block your BankID and online access.\n"
        "3. Stop all contact with the fraudster. Do not sign anything else.\n"
        "4. Report it to the police and send us the reference number.\n\n"
        "## What we can and cannot do\n\n"
        "We try to stop or recall payments, but money that has already left the bank cannot "
        "always be recovered. We investigate every case and get back to you within a few "
        "banking days.\n\n"
        "Remember: we never call and ask you to log in, sign with BankID or move money to a "
        "safe account.",
    ),
}

ARTICLES["natfiske"] = {
    "sv": (
        "Falska sms och mejl (nätfiske)",
        "Bedragare skickar sms och mejl som ser ut att komma från oss, myndigheter eller "
        "leveransföretag. Syftet är att få dig att klicka på en länk och lämna ut "
        "uppgifter.\n\n"
        "## Så känner du igen ett falskt meddelande\n\n"
        "- Det skapar stress: kontot spärras, ett paket väntar eller en återbetalning går "
        "förlorad.\n"
        "- Det innehåller en länk där du ska logga in eller fylla i kortuppgifter.\n"
        "- Vi skickar aldrig länkar för inloggning i sms eller mejl.\n\n"
        "## Har du klickat eller lämnat uppgifter?\n\n"
        "1. Spärra dina kort i appen direkt. Det går dygnet runt.\n"
        "2. [Skapa ett ärende](/cases/new) och berätta vad du har lämnat ut.\n"
        "3. Byt lösenord på tjänster där du använt samma uppgifter.\n\n"
        "Har du bara fått meddelandet utan att klicka räcker det att radera det. Logga "
        "alltid in via appen eller genom att själv skriva vår adress i webbläsaren.",
    ),
    "en": (
        "Fake texts and e-mails (phishing)",
        "Fraudsters send texts and e-mails that look as if they come from us, authorities "
        "or delivery companies. The aim is to get you to click a link and hand over your "
        "details.\n\n"
        "## How to spot a fake message\n\n"
        "- It creates pressure: your account will be blocked, a parcel is waiting or a "
        "refund will be lost.\n"
        "- It contains a link where you are asked to log in or enter card details.\n"
        "- We never send login links by text or e-mail.\n\n"
        "## Have you clicked or shared details?\n\n"
        "1. Block your cards in the app right away. It works 24/7.\n"
        "2. [Create a case](/cases/new) and tell us what you shared.\n"
        "3. Change your password for services where you used the same details.\n\n"
        "If you only received the message without clicking, just delete it. Always log in "
        "through the app or by typing our address into the browser yourself.",
    ),
}

ARTICLES["stulet-kort"] = {
    "sv": (
        "Stulet eller borttappat kort",
        "Spärra kortet så snart du märker att det är borta. Ju snabbare du spärrar, desto "
        "bättre skydd har du.\n\n"
        "## Så gör du\n\n"
        "1. Logga in i appen, välj kortet och Spärra. Det går dygnet runt och gäller "
        "direkt.\n"
        "2. Välj om kortet är stulet eller borttappat. Ett nytt kort beställs "
        "automatiskt och kommer med posten inom 5–7 bankdagar.\n"
        "3. Gå igenom de senaste transaktionerna. Bestrid köp som inte är dina.\n"
        "4. Är kortet stulet, polisanmäl stölden.\n\n"
        "## Bra att veta\n\n"
        "- Tror du bara att kortet är på fel ställe kan du frysa det tillfälligt i appen "
        "och låsa upp det om du hittar det.\n"
        "- Ett spärrat kort går inte att återaktivera.\n"
        "- Uppdatera kortuppgifterna hos tjänster som drar pengar från kortet.\n\n"
        "Har du inte tillgång till appen, eller har någon handlat med kortet, "
        "[skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Stolen or lost card",
        "Block your card as soon as you notice it is missing. The sooner you block it, the "
        "better protected you are.\n\n"
        "## What to do\n\n"
        "1. Log in to the app, choose the card and Block. It works 24/7 and takes effect "
        "immediately.\n"
        "2. Choose whether the card was stolen or lost. A new card is ordered automatically "
        "and arrives by post within 5–7 banking days.\n"
        "3. Go through recent transactions and dispute any that are not yours.\n"
        "4. If the card was stolen, report the theft to the police.\n\n"
        "## Good to know\n\n"
        "- If you just think the card is misplaced, you can freeze it temporarily in the "
        "app and unfreeze it if you find it.\n"
        "- A blocked card cannot be reactivated.\n"
        "- Update your card details with services that charge your card.\n\n"
        "If you cannot access the app, or someone has used the card, "
        "[create a case](/cases/new).",
    ),
}

ARTICLES["avgifter"] = {
    "sv": (
        "Avgifter – vad kostar det?",
        "Alla våra aktuella avgifter finns i prislistan i appen och internetbanken. Vilka "
        "du betalar beror på vilka tjänster du har.\n\n"
        "## Vanliga avgifter\n\n"
        "- Månadsavgift för bankkort eller kontopaket.\n"
        "- Utlandsbetalningar och valutaväxling.\n"
        "- Kontantuttag i vissa automater, särskilt utomlands.\n"
        "- Ersättningskort, om du beställer ett nytt utan att det gamla är trasigt eller "
        "spärrat.\n"
        "- Försenade betalningar på lån och krediter.\n\n"
        "## Så ser du vad du har betalat\n\n"
        "1. Gå till kontot i appen.\n"
        "2. Filtrera transaktionerna på Avgifter.\n"
        "3. Årsbeskedet visar en sammanställning av årets avgifter.\n\n"
        "Vi ändrar inte avgifter utan att meddela dig i förväg. Tror du att du har fått "
        "en avgift felaktigt, eller vill du ha hjälp att hitta ett billigare upplägg, "
        "[skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Fees – what does it cost?",
        "All our current fees are listed in the price list in the app and online bank. "
        "Which ones you pay depends on the services you use.\n\n"
        "## Common fees\n\n"
        "- Monthly fee for a debit card or account package.\n"
        "- International payments and currency exchange.\n"
        "- Cash withdrawals at some ATMs, especially abroad.\n"
        "- Replacement cards, if you order a new one when the old one is neither damaged "
        "nor blocked.\n"
        "- Late payments on loans and credit.\n\n"
        "## See what you have paid\n\n"
        "1. Go to the account in the app.\n"
        "2. Filter transactions by Fees.\n"
        "3. Your annual statement shows a summary of the year's fees.\n\n"
        "We never change fees without telling you in advance. If you think a fee was "
        "charged by mistake, or you want help finding a cheaper set-up, "
        "[create a case](/cases/new).",
    ),
}

ARTICLES["klagomal"] = {
    "sv": (
        "Lämna ett klagomål",
        "Är du missnöjd med något vi har gjort vill vi veta det. Ett klagomål hjälper oss "
        "att rätta till felet och bli bättre.\n\n"
        "## Så gör du\n\n"
        "1. [Skapa ett ärende](/cases/new) och välj Klagomål.\n"
        "2. Beskriv vad som hänt, när det hände och vad du vill att vi ska göra.\n"
        "3. Bifoga underlag, till exempel kvitton, skärmbilder eller tidigare svar.\n\n"
        "## Vad händer sedan?\n\n"
        "- Du får en bekräftelse på att vi har tagit emot klagomålet.\n"
        "- Vi svarar vanligtvis inom två veckor. Behöver vi mer tid meddelar vi dig.\n"
        "- Är du inte nöjd med svaret kan du be att vår klagomålsansvarige prövar ärendet "
        "på nytt.\n\n"
        "## Om du fortfarande inte är nöjd\n\n"
        "Du kan få kostnadsfri vägledning hos Konsumenternas Bank- och finansbyrå och "
        "pröva tvisten hos Allmänna reklamationsnämnden (ARN).",
    ),
    "en": (
        "Make a complaint",
        "If you are unhappy with something we have done, we want to know. A complaint helps "
        "us put things right and improve.\n\n"
        "## How to do it\n\n"
        "1. [Create a case](/cases/new) and choose Complaint.\n"
        "2. Describe what happened, when, and what you would like us to do.\n"
        "3. Attach supporting material, such as receipts, screenshots or earlier replies.\n\n"
        "## What happens next?\n\n"
        "- You get confirmation that we have received your complaint.\n"
        "- We usually reply within two weeks. If we need more time, we will let you know.\n"
        "- If you are not satisfied with the answer, you can ask our complaints officer to "
        "review it again.\n\n"
        "## If you are still not satisfied\n\n"
        "You can get free guidance from the Swedish Consumers' Banking and Finance Bureau "
        "and have the dispute reviewed by the National Board for Consumer Disputes (ARN).",
    ),
}

ARTICLES["inloggning"] = {
    "sv": (
        "Problem att logga in i internetbanken",
        "Du loggar in i appen och internetbanken med BankID eller kortdosa. De flesta "
        "inloggningsproblem går att lösa på några minuter.\n\n"
        "## Prova det här\n\n"
        "1. Uppdatera appen, BankID-appen och webbläsaren till senaste versionen.\n"
        "2. Kontrollera att ditt BankID fungerar och inte har gått ut. Se artikeln om "
        "BankID om du behöver ett nytt.\n"
        "3. Logga in via webbläsaren om appen krånglar, eller tvärtom.\n"
        "4. Töm webbläsarens cache eller prova en annan webbläsare.\n"
        "5. Med kortdosa: har du angett fel kod flera gånger kan dosan vara låst.\n\n"
        "## Bra att veta\n\n"
        "- Ibland har vi planerat underhåll, oftast nattetid. Det visas i appen.\n"
        "- Av säkerhetsskäl kan vi inte logga in åt dig eller ge ut koder i ett ärende.\n\n"
        "Kommer du fortfarande inte in, [skapa ett ärende](/cases/new).",
    ),
    "en": (
        "Problems logging in to online banking",
        "You log in to the app and online bank with BankID or a card reader. Most login "
        "problems can be solved in a few minutes.\n\n"
        "## Try this\n\n"
        "1. Update the app, the BankID app and your browser to the latest version.\n"
        "2. Check that your BankID works and has not expired. See the BankID article if "
        "you need a new one.\n"
        "3. Log in through the browser if the app is not working, or the other way round.\n"
        "4. Clear your browser cache or try another browser.\n"
        "5. With a card reader: if you have entered the wrong code several times, it may be "
        "locked.\n\n"
        "## Good to know\n\n"
        "- We sometimes have planned maintenance, usually at night. It is shown in the app.\n"
        "- For security reasons we cannot log in for you or give out codes in a case.\n\n"
        "If you still cannot get in, [create a case](/cases/new).",
    ),
}
