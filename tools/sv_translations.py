"""Swedish translations of the UI's English message ids. `python tools/sv_translations.py`
fills empty msgstr in src/nara/locale/sv/LC_MESSAGES/messages.po and copies the msgid into
empty msgstr of the English catalog. Translate new strings here, then run it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

SV = {
    "%(count)s labelled example questions, plus the first message of every resolved case with a topic.":
        "%(count)s märkta exempelfrågor, plus första meddelandet i varje löst ärende som har ett ämne.",
    "Answer at expected precision": "Svara vid förväntad precision",
    "Answered, and it helped": "Besvarad, och det hjälpte",
    "Answered, did not help: to a person": "Besvarad, hjälpte inte: till en person",
    "Answered, no feedback": "Besvarad, ingen återkoppling",
    "Asked for a person": "Bad om en person",
    "Common words": "Vanliga ord",
    "Conversations": "Konversationer",
    "Examples": "Exempel",
    "Expected precision": "Förväntad precision",
    "Knowledge gaps": "Kunskapsluckor",
    "Measured on held-out examples": "Mätt på undanhållna exempel",
    "Model": "Modell",
    "No handed-over questions yet.": "Inga överlämnade frågor ännu.",
    "No model is trained yet: every question goes to a person.":
        "Ingen modell är tränad ännu: alla frågor går till en person.",
    "None yet.": "Inga ännu.",
    "Not ours, handed over": "Inte vårt, överlämnat",
    "Not sure: to a person": "Osäker: till en person",
    "Questions": "Frågor",
    "Questions answered": "Besvarade frågor",
    "Questions handed over to a person in the last 30 days, grouped by similarity. The biggest groups are the best candidates for new articles or examples.":
        "Frågor som lämnats över till en person de senaste 30 dagarna, grupperade efter likhet. De största grupperna är de bästa kandidaterna för nya artiklar eller exempel.",
    "Self-service": "Självservice",
    "Self-service answers only when it is sure. Choose how sure: a higher precision answers fewer questions and hands more to a person.":
        "Självservice svarar bara när den är säker. Välj hur säker: högre precision besvarar färre frågor och lämnar fler till en person.",
    "Train a new model": "Träna en ny modell",
    "Trained": "Tränad",
    "Training": "Träning",
    "Training is running: %(stage)s %(done)s/%(total)s. Reload the page to follow it.":
        "Träning pågår: %(stage)s %(done)s/%(total)s. Ladda om sidan för att följa den.",
    "Version": "Version",
    "in use": "används",
    "## for headings, - for lists, **bold**, [link](/cases/new). HTML is not allowed.":
        "## för rubriker, - för listor, **fetstil**, [länk](/cases/new). HTML är inte tillåtet.",
    "Articles per topic and language": "Artiklar per ämne och språk",
    "Edit (version %(version)s)": "Redigera (version %(version)s)",
    "English": "Engelska",
    "Knowledge": "Kunskap",
    "Knowledge articles": "Kunskapsartiklar",
    "Preview": "Förhandsvisning",
    "Published (self-service may answer with it)": "Publicerad (självservice får svara med den)",
    "Save as a new version": "Spara som ny version",
    "Self-service answers with a topic's article, in the customer's language. Every save keeps the earlier versions.":
        "Självservice svarar med ämnets artikel, på kundens språk. Varje sparning behåller de tidigare versionerna.",
    "Swedish": "Svenska",
    "Text (Markdown)": "Text (Markdown)",
    "Title": "Rubrik",
    "Versions": "Versioner",
    "Write": "Skriv",
    "Write the article": "Skriv artikeln",
    "draft": "utkast",
    "missing": "saknas",
    "Example of the self-service widget": "Exempel på självservicewidgeten",
    "This page shows how a bank's own website embeds Nära's assistant with one script tag:":
        "Den här sidan visar hur en banks egen webbplats bäddar in Näras assistent med en enda script-tagg:",
    "A person takes over": "En person tar över",
    "A person takes over from here, with everything you wrote to the assistant. You do not need to repeat anything.":
        "En person tar över härifrån, med allt du skrev till assistenten. Du behöver inte upprepa något.",
    "A person will help you": "En person hjälper dig",
    "Answer": "Svar",
    "Ask": "Fråga",
    "Ask us": "Fråga oss",
    "Did this solve it?": "Löste det här ditt problem?",
    "Good! You can ask something else below.": "Bra! Du kan fråga något annat här nedanför.",
    "No articles matched. Ask your question above instead.":
        "Inga artiklar matchade. Ställ din fråga ovanför i stället.",
    "No, I want to talk to a person": "Nej, jag vill prata med en person",
    "Search": "Sök",
    "Search the help articles": "Sök i hjälpartiklarna",
    "Send to a person": "Skicka till en person",
    "Talk to a person": "Prata med en person",
    "Tell us how to reach you and a person takes over, with everything you have written. Log in instead to follow the case in the portal.":
        "Berätta hur vi når dig så tar en person över, med allt du har skrivit. Logga in i stället för att följa ärendet i portalen.",
    "What do you need help with?": "Vad behöver du hjälp med?",
    "Write your question in your own words. If we are not sure of the answer, a person takes over at once – you never need to repeat yourself.":
        "Skriv din fråga med egna ord. Är vi inte säkra på svaret tar en person över direkt – du behöver aldrig upprepa dig.",
    "Yes, thank you": "Ja, tack",
    "You": "Du",
    "Your case number is %(number)s. A person will contact you by e-mail, with everything you wrote here.":
        "Ditt ärendenummer är %(number)s. En person kontaktar dig via e-post, med allt du skrev här.",
    "Your conversation": "Din konversation",
    "Your question": "Din fråga",
    "A person has taken over. Write to us in your case instead.":
        "En person har tagit över. Skriv till oss i ditt ärende i stället.",
    "Handed over from self-service": "Överlämnat från självservice",
    "A phone number holds 5 to 20 digits, spaces, +, - or parentheses.":
        "Ett telefonnummer har 5 till 20 siffror, mellanslag, +, - eller parenteser.",
    "A user with this e-mail address already exists.":
        "Det finns redan en användare med den här e-postadressen.",
    "Another customer already has this personal identity number.":
        "En annan kund har redan det här personnumret.",
    "Choose one of the listed options.": "Välj ett av alternativen i listan.",
    "Enter a valid e-mail address, like name@example.se.":
        "Skriv en giltig e-postadress, till exempel namn@exempel.se.",
    "The owner must be a member of the case's team.":
        "Ärendeägaren måste vara medlem i ärendets team.",
    "The password must be at least %(min)s characters.":
        "Lösenordet måste vara minst %(min)s tecken.",
    "This case is closed. Open a new case instead.":
        "Ärendet är avslutat. Öppna ett nytt ärende i stället.",
    "This field must not be empty.": "Fältet får inte vara tomt.",
    "This is %(length)s characters; at most %(max)s are allowed.":
        "Det här är %(length)s tecken; högst %(max)s är tillåtna.",
    "This is not a valid personal identity number (YYYYMMDD-NNNN).":
        "Det här är inte ett giltigt personnummer (ÅÅÅÅMMDD-NNNN).",
    "This short name is already taken.": "Kortnamnet är redan upptaget.",
    "Use 1 to 64 lowercase letters, digits and single hyphens.":
        "Använd 1 till 64 små bokstäver, siffror och enstaka bindestreck.",
    "%(amount)s %(unit)s ago": "för %(amount)s %(unit)s sedan",
    "%(count)s cases": "%(count)s ärenden",
    "%(owner)s in %(team)s is handling your case and will answer you here.":
        "%(owner)s på %(team)s handlägger ditt ärende och svarar dig här.",
    "%(team)s is looking into it together with another team.":
        "%(team)s utreder saken tillsammans med ett annat team.",
    "A token lets an integration use the API as you. Send it as: Authorization: Bearer <token>.":
        "En nyckel låter en integration använda API:t som du. Skicka den som: Authorization: Bearer <nyckel>.",
    "A topic is a customer need. It decides which team gets the case.":
        "Ett ämne är ett kundbehov. Det avgör vilket team som får ärendet.",
    "API tokens": "API-nycklar",
    "Activate": "Aktivera",
    "Active": "Aktiv",
    "Add": "Lägg till",
    "Add member": "Lägg till medlem",
    "Add topic": "Lägg till ämne",
    "Administrator": "Administratör",
    "Agent": "Handläggare",
    "All": "Alla",
    "All active": "Alla aktiva",
    "All my teams' open": "Mina teams öppna",
    "Assign": "Tilldela",
    "At least 10 characters. Leave empty for a user who only uses API tokens.":
        "Minst 10 tecken. Lämna tomt för en användare som bara använder API-nycklar.",
    "Back to cases": "Tillbaka till ärenden",
    "Being handled": "Handläggs",
    "Case": "Ärende",
    "Case number, subject or customer": "Ärendenummer, rubrik eller kund",
    "Case opened": "Ärendet öppnades",
    "Cases, most urgent first": "Ärenden, mest brådskande först",
    "Change priority": "Ändra prioritet",
    "Change status": "Ändra status",
    "Channel": "Kanal",
    "Chat": "Chatt",
    "Claim": "Ta ärendet",
    "Claim the case": "Ta ärendet",
    "Close": "Stäng",
    "Close this help": "Stäng hjälpen",
    "Closed": "Avslutat",
    "Copy it now: it is shown only once.": "Kopiera den nu: den visas bara en gång.",
    "Create team": "Skapa team",
    "Create token": "Skapa nyckel",
    "Create topic": "Skapa ämne",
    "Create user": "Skapa användare",
    "Created": "Skapad",
    "Customer": "Kund",
    "Customer and actions": "Kund och åtgärder",
    "Customer number (id)": "Kundnummer (id)",
    "Customers: see your cases, write to us and follow what happens next. Staff: your inbox and your teams.":
        "Kunder: se dina ärenden, skriv till oss och följ vad som händer härnäst. Medarbetare: din inkorg och dina team.",
    "Deactivate": "Inaktivera",
    "Describe your question": "Beskriv din fråga",
    "Description": "Beskrivning",
    "E-mail": "E-post",
    "E-mail address": "E-postadress",
    "Edit": "Ändra",
    "Enter your e-mail address and password.": "Fyll i e-postadress och lösenord.",
    "Everything you have told us stays in the case: you never need to repeat yourself.":
        "Allt du har berättat finns kvar i ärendet: du behöver aldrig upprepa dig.",
    "Fallback team": "Reservteam",
    "Filter": "Filtrera",
    "Filter and search": "Filtrera och sök",
    "Find the customer's id in the customer search of the API, or ask the customer to log in.":
        "Kundens id finns i API:ts kundsökning, eller be kunden logga in.",
    "First response": "Första svar",
    "For example: CRM sync": "Till exempel: CRM-synk",
    "Go to the inbox": "Gå till inkorgen",
    "Handle": "Hantera",
    "Handled by": "Hanteras av",
    "Handled by %(name)s, %(team)s": "Handläggs av %(name)s, %(team)s",
    "High": "Hög",
    "Inbox": "Inkorg",
    "Inbox views": "Inkorgens vyer",
    "Internal": "Intern",
    "Internal note": "Intern anteckning",
    "Keyboard shortcuts": "Kortkommandon",
    "Keyboard: / search, j/k move, Enter open, ? all shortcuts":
        "Tangentbord: / sök, j/k flytta, Enter öppna, ? alla kortkommandon",
    "Last used": "Senast använd",
    "Log in": "Logga in",
    "Log out": "Logga ut",
    "Low": "Låg",
    "Lowercase letters, digits and hyphens, e.g. kort-betalningar.":
        "Små bokstäver, siffror och bindestreck, t.ex. kort-betalningar.",
    "Main menu": "Huvudmeny",
    "Make this the fallback team": "Gör detta till reservteamet",
    "Members": "Medlemmar",
    "Message from the customer": "Meddelande från kunden",
    "Messages": "Meddelanden",
    "Mine": "Mina",
    "Move": "Flytta",
    "Move to team": "Flytta till team",
    "My cases": "Mina ärenden",
    "My teams, unassigned": "Mina teams, ej tilldelade",
    "Name": "Namn",
    "Name in English": "Namn på engelska",
    "Name in Swedish": "Namn på svenska",
    "New": "Nytt",
    "New case": "Nytt ärende",
    "New team": "Nytt team",
    "New token": "Ny nyckel",
    "New topic": "Nytt ämne",
    "New user": "Ny användare",
    "Next": "Nästa",
    "Next / previous case in the inbox": "Nästa / föregående ärende i inkorgen",
    "No": "Nej",
    "No cases here. Well done!": "Inga ärenden här. Bra jobbat!",
    "No members yet.": "Inga medlemmar ännu.",
    "No team: goes to the fallback team": "Inget team: går till reservteamet",
    "No topics yet.": "Inga ämnen ännu.",
    "Nobody": "Ingen",
    "Nobody yet": "Ingen ännu",
    "None that you can see.": "Inga som du kan se.",
    "Normal": "Normal",
    "Not allowed": "Inte tillåtet",
    "Not found": "Hittades inte",
    "Note (only staff see this)": "Anteckning (bara medarbetare ser den)",
    "Nära – customer service that reaches the right person.":
        "Nära – kundservice som når rätt person.",
    "One person owns your case from start to finish.":
        "En person äger ditt ärende från början till slut.",
    "Open": "Öppet",
    "Open a new case": "Öppna ett nytt ärende",
    "Open the selected case": "Öppna det markerade ärendet",
    "Opened": "Öppnat",
    "Other cases": "Andra ärenden",
    "Owner": "Ärendeägare",
    "Owner changed": "Ärendeägare ändrad",
    "Owner removed": "Ärendeägare borttagen",
    "Pages": "Sidor",
    "Password": "Lösenord",
    "Personal identity number": "Personnummer",
    "Phone": "Telefon",
    "Previous": "Föregående",
    "Priority": "Prioritet",
    "Priority changed": "Prioritet ändrad",
    "Received": "Mottaget",
    "Remove": "Ta bort",
    "Remove %(name)s": "Ta bort %(name)s",
    "Reply (the customer sees this)": "Svar (kunden ser detta)",
    "Reply to the customer": "Svar till kunden",
    "Resolved": "Löst",
    "Responsible team changed": "Ansvarigt team ändrat",
    "Revoke": "Återkalla",
    "Revoked": "Återkallad",
    "Role": "Roll",
    "Routed": "Dirigerat",
    "Save": "Spara",
    "Save note": "Spara anteckning",
    "Search in the inbox": "Sök i inkorgen",
    "Send": "Skicka",
    "Send reply": "Skicka svar",
    "Short name (slug)": "Kortnamn (slug)",
    "Skip to content": "Hoppa till innehållet",
    "Solved": "Löst",
    "Something else": "Något annat",
    "Something needs fixing": "Något behöver rättas",
    "Something went wrong": "Något gick fel",
    "Starts with": "Börjar med",
    "State": "Läge",
    "Status": "Status",
    "Status changed": "Status ändrad",
    "Subject": "Rubrik",
    "Subject (optional)": "Rubrik (valfri)",
    "Team": "Team",
    "Team lead": "Teamledare",
    "Teams": "Team",
    "Teams form a network by the topics they handle. A person can belong to several teams.":
        "Teamen bildar ett nätverk genom de ämnen de hanterar. En person kan tillhöra flera team.",
    "That did not work": "Det gick inte",
    "The form had expired. Please try again.": "Formuläret hade gått ut. Försök igen.",
    "This case is closed. Do you have a new question? Open a new case.":
        "Ärendet är avslutat. Har du en ny fråga? Öppna ett nytt ärende.",
    "Timeline": "Tidslinje",
    "Too many failed attempts. Try again in 15 minutes.":
        "För många misslyckade försök. Försök igen om 15 minuter.",
    "Topic": "Ämne",
    "Topics": "Ämnen",
    "Topics handled": "Ämnen som teamet hanterar",
    "Urgent": "Brådskande",
    "Users": "Användare",
    "Waiting": "Väntat",
    "Waiting for another team": "Väntar på annat team",
    "Waiting for customer": "Väntar på kund",
    "Waiting for your answer": "Väntar på ditt svar",
    "We are waiting for your answer. Write to us below.":
        "Vi väntar på ditt svar. Skriv till oss här nedanför.",
    "We believe this is solved. Reply if anything is still wrong and we will reopen it.":
        "Vi tror att detta är löst. Svara om något fortfarande inte stämmer, så öppnar vi ärendet igen.",
    "We have received your case. A person in %(team)s will answer you here.":
        "Vi har tagit emot ditt ärende. En person på %(team)s svarar dig här.",
    "Web": "Webb",
    "Welcome to Exempelbanken's customer service": "Välkommen till Exempelbankens kundservice",
    "What happens next": "Vad händer nu",
    "What happens next:": "Vad händer nu:",
    "What is it about?": "Vad gäller det?",
    "What is it for?": "Vad ska den användas till?",
    "Write a reply": "Skriv ett svar",
    "Write an internal note": "Skriv en intern anteckning",
    "Write in your own words. Do not write card numbers or passwords.":
        "Skriv med egna ord. Skriv inte kortnummer eller lösenord.",
    "Write to us": "Skriv till oss",
    "Wrong e-mail address or password.": "Fel e-postadress eller lösenord.",
    "Yes": "Ja",
    "You always see what happens next in your case.":
        "Du ser alltid vad som händer härnäst i ditt ärende.",
    "You have no cases yet.": "Du har inga ärenden ännu.",
    "You have no tokens.": "Du har inga nycklar.",
    "Your API tokens": "Dina API-nycklar",
    "Your message": "Ditt meddelande",
    "Your new token": "Din nya nyckel",
    "page %(page)s of %(pages)s": "sida %(page)s av %(pages)s",
}

LOCALE = Path(__file__).resolve().parents[1] / "src" / "nara" / "locale"


def fill(lang: str) -> list[str]:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    missing = []
    for message in catalog:
        if not message.id or message.string:
            continue
        if lang == "en":
            message.string = message.id
        elif message.id in SV:
            message.string = SV[message.id]
        else:
            missing.append(str(message.id))
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    return missing


if __name__ == "__main__":
    for code in ("en", "sv"):
        left = fill(code)
        for msgid in left:
            print(f"{code}: no translation for {msgid!r}")
