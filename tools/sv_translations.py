"""Swedish translations of the UI's English message ids. `python tools/sv_translations.py`
fills empty msgstr in src/nara/locale/sv/LC_MESSAGES/messages.po and copies the msgid into
empty msgstr of the English catalog. Translate new strings here, then run it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

SV = {
    'Only admins, and leads of the teams that handle this topic, can change it.':
        'Bara administratörer, och teamledare för de team som hanterar ämnet, kan ändra det.',
    'Too many searches by personnummer. Try again in %(seconds)s seconds.':
        'För många sökningar på personnummer. Försök igen om %(seconds)s sekunder.',
    'Admins only':
        'Bara administratörer',
    'Only admins can change the organisation-wide response promises.':
        'Bara administratörer kan ändra organisationens gemensamma svarslöften.',
    'Only admins, and leads of the teams that handle this topic, can change its promises.':
        'Bara administratörer, och teamledare för de team som hanterar ämnet, kan ändra dess svarslöften.',
    "The customer's question":
        'Kundens fråga',
    "What the customer asked, as they put it; it opens the case's timeline. No card numbers or passwords.":
        'Vad kunden frågade, med kundens ord; det inleder ärendets tidslinje. Inga kortnummer eller lösenord.',
    'Personnummer, e-mail, name or customer number (#12).':
        'Personnummer, e-post, namn eller kundnummer (#12).',
    'Several customers match. Who is it?':
        'Flera kunder passar in. Vem är det?',
    'The first %(n)d are shown; search more precisely to narrow it down.':
        'De första %(n)d visas; sök mer exakt för att begränsa.',
    'Choose, or change the search above.':
        'Välj, eller ändra sökningen ovan.',
    'Is it this customer?':
        'Är det den här kunden?',
    'No customer matches “%(query)s”. Check the personnummer or e-mail.':
        'Ingen kund matchar ”%(query)s”. Kontrollera personnumret eller e-postadressen.',
    "Enter the customer's personnummer, e-mail, name or customer number.":
        'Ange kundens personnummer, e-post, namn eller kundnummer.',
    '%(n)s estimates':
        '%(n)s uppskattningar',
    'Cases with a promise':
        'Ärenden med svarslöfte',
    'Expected-wait error (median)':
        'Fel i väntad väntetid (median)',
    'First response on time':
        'Första svar i tid',
    'Late or overdue':
        'Sent eller försenat',
    'Median time to first response':
        'Mediantid till första svar',
    'On time: the first human response came by the promised due time (business hours, pauses while waiting for the customer excluded). The expected-wait error compares what customers were shown with the wait they got.':
        'I tid: första svaret från en människa kom senast den utlovade tiden (öppettid, pauser när vi väntar på kunden räknas inte). Felet i väntad väntetid jämför vad kunderna fick se med hur länge de faktiskt väntade.',
    'Promises and results per team':
        'Löften och resultat per team',
    'Promises and results, last %(days)s days':
        'Löften och resultat, senaste %(days)s dagarna',
    'Take the next case (from the inbox)': 'Ta nästa ärende (från inkorgen)',
    '%(minutes)s min': '%(minutes)s min',
    '%(m)s min': '%(m)s min',
    '%(h)s h': '%(h)s tim',
    '%(h)s h %(m)s min': '%(h)s tim %(m)s min',
    '%(n)s ahead in the queue': '%(n)s före i kön',
    '%(t)s left': '%(t)s kvar',
    'A promise for this topic, priority and channel already exists.':
        'Det finns redan ett svarslöfte för detta ämne, denna prioritet och kanal.',
    'A promise needs a positive number of minutes.':
        'Ett svarslöfte behöver ett positivt antal minuter.',
    'A team needs opening hours on at least one weekday.':
        'Ett team behöver öppettider minst en veckodag.',
    'Add promise': 'Lägg till svarslöfte',
    'Another time': 'En annan tid',
    'Any': 'Alla',
    'Available': 'Tillgänglig',
    'Away': 'Borta',
    'Back in': 'Tillbaka om',
    'Book a callback for the customer.': 'Boka en återuppringning åt kunden.',
    'Book the callback': 'Boka återuppringning',
    'Booked': 'Bokad',
    'Booked: we call %(phone)s at %(when)s.': 'Bokad: vi ringer %(phone)s %(when)s.',
    'Breached': 'Brutet',
    'Busy': 'Upptagen',
    'Calendar of %(team)s': 'Kalender för %(team)s',
    'Callback': 'Återuppringning',
    'Callback booked': 'Återuppringning bokad',
    'Callback cancelled': 'Återuppringning avbokad',
    'Callback moved': 'Återuppringning flyttad',
    'Callback: not reached': 'Återuppringning: nådde inte kunden',
    'Callbacks': 'Återuppringningar',
    'Callbacks due': 'Återuppringningar att göra',
    'Called back': 'Uppringd',
    'Calls the team can make in one slot (0 = no callbacks)':
        'Samtal teamet kan ringa per tid (0 = inga återuppringningar)',
    'Cancel the callback': 'Avboka återuppringningen',
    'Cancelled': 'Avbokad',
    'Choose a time within the next 24 hours.': 'Välj en tid inom de närmaste 24 timmarna.',
    'Closed on Swedish public holidays (and midsommarafton, julafton, nyårsafton)':
        'Stängt på svenska helgdagar (och midsommarafton, julafton, nyårsafton)',
    'Delete': 'Ta bort',
    'Done %(when)s': 'Klart %(when)s',
    'Due soon': 'Går snart ut',
    'Earlier': 'Tidigare',
    'Expected first response': 'Väntat första svar',
    'First response (minutes)': 'Första svar (minuter)',
    'Friday': 'Fredag',
    'Give a phone number we can call.': 'Ange ett telefonnummer vi kan ringa.',
    'Holidays %(year)s': 'Helgdagar %(year)s',
    'Kept': 'Hållet',
    'Kept late': 'Hållet för sent',
    'Length of a callback slot (minutes)': 'Längd på en tid för återuppringning (minuter)',
    'Like 08:00-12:00, 13:00-17:00. Empty means closed.':
        'Till exempel 08:00-12:00, 13:00-17:00. Tomt betyder stängt.',
    'Mark as sent': 'Markera som skickat',
    'Me in %(team)s': 'Jag i %(team)s',
    'Monday': 'Måndag',
    'Move the callback': 'Flytta återuppringningen',
    'New promise': 'Nytt svarslöfte',
    'Next case': 'Nästa ärende',
    'No callback times are open in the coming days.':
        'Inga tider för återuppringning är öppna de närmaste dagarna.',
    'No promise': 'Inget svarslöfte',
    'No promises yet: cases get no due times.':
        'Inga svarslöften ännu: ärenden får inga svarstider.',
    'No team handles these topics; their cases go to the fallback team:':
        'Inget team hanterar dessa ämnen; deras ärenden går till reservteamet:',
    'No team handles this topic, so the case went to the fallback team. A lead should add the topic to a team.':
        'Inget team hanterar detta ämne, så ärendet gick till reservteamet. En teamledare bör lägga till ämnet hos ett team.',
    'Nobody has set a presence in this team yet.':
        'Ingen har angett närvaro i detta team ännu.',
    'Not reached': 'Nådde inte kunden',
    'Note from the call (the customer sees it)':
        'Anteckning från samtalet (kunden ser den)',
    'Nothing is waiting in your teams right now.': 'Inget väntar i dina team just nu.',
    'On track': 'I tid',
    'One date per line, like 2026-12-28.': 'Ett datum per rad, till exempel 2026-12-28.',
    'Open for six months': 'Öppet i sex månader',
    'Open for six months: the customer may ask in writing for a decision (förvaltningslagen 12 §).':
        'Öppet i sex månader: kunden får skriftligen begära att ärendet avgörs (förvaltningslagen 12 §).',
    'Opening hours': 'Öppettider',
    'Order': 'Ordning',
    'Order (0 = first)': 'Ordning (0 = först)',
    'Other closed days': 'Andra stängda dagar',
    'Our promise: a first answer from a person by %(when)s at the latest.':
        'Vårt löfte: ett första svar från en person senast %(when)s.',
    'Paused (waiting for the customer)': 'Pausat (väntar på kunden)',
    'Phone number': 'Telefonnummer',
    'Promise': 'Svarslöfte',
    'Promise breached': 'Svarslöftet bröts',
    'Promise due soon': 'Svarslöftet går snart ut',
    'Rather not wait? Choose a time and we call you.':
        'Vill du hellre slippa vänta? Välj en tid så ringer vi upp dig.',
    'Reached': 'Nådd',
    'Reached the customer': 'Nådde kunden',
    'Resolution': 'Lösning',
    'Resolution (minutes)': 'Lösning (minuter)',
    'Resolution cannot be promised sooner than the first response.':
        'Lösning kan inte utlovas tidigare än första svar.',
    'Response promise': 'Svarslöfte',
    'Response promises': 'Svarslöften',
    "Response promises say when the customer gets a human answer, in the team's business hours. Routing rules say which team takes a topic's cases, and who takes the overflow.":
        'Svarslöften säger när kunden får svar av en människa, räknat i teamets öppettid. Dirigeringsregler säger vilket team som tar ett ämnes ärenden och vem som tar överflödet.',
    'Routing': 'Dirigering',
    'Saturday': 'Lördag',
    'Save calendar': 'Spara kalendern',
    'Saved.': 'Sparat.',
    'Send the customer a delay notice (förvaltningslagen 11 §)':
        'Skicka ett förseningsbesked till kunden (förvaltningslagen 11 §)',
    'Service levels': 'Servicenivåer',
    'Set': 'Ange',
    'Sunday': 'Söndag',
    'Takes overflow': 'Tar överflöd',
    'Task done': 'Uppgift klar',
    'Task: delay notice': 'Uppgift: förseningsbesked',
    'Team calendars': 'Teamens kalendrar',
    'Teams of a topic are tried in order (lowest first). A team gets the case when it can keep the first-response promise; otherwise the next team that takes overflow does.':
        'Ett ämnes team prövas i ordning (lägst först). Ett team får ärendet när det kan hålla löftet om första svar; annars får nästa team som tar överflöd det.',
    'The last attempt did not reach the customer. Book the next attempt.':
        'Förra försöket nådde inte kunden. Boka nästa försök.',
    'The most specific promise applies: a topic weighs more than a priority, a priority more than a channel. Empty means any. Times are business minutes (or hours, like 1,5 h).':
        'Det mest specifika svarslöftet gäller: ett ämne väger tyngre än en prioritet, en prioritet tyngre än en kanal. Tomt betyder alla. Tider är minuter öppettid (eller timmar, som 1,5 h).',
    'The order must be a number from 0 to 99.':
        'Ordningen måste vara ett tal från 0 till 99.',
    'There is no callback time then. Choose one of the times offered.':
        'Det finns ingen tid för återuppringning då. Välj en av tiderna som erbjuds.',
    'This callback is no longer booked.':
        'Den här återuppringningen är inte längre bokad.',
    'This case already has a booked callback. Move or cancel it.':
        'Ärendet har redan en bokad återuppringning. Flytta eller avboka den.',
    'This team uses the default calendar: weekdays 08:00-17:00 with Swedish public holidays.':
        'Teamet använder standardkalendern: vardagar 08:00-17:00 med svenska helgdagar.',
    'This time has already passed. Choose a later time.':
        'Den tiden har redan passerat. Välj en senare tid.',
    'This time is fully booked. Choose another time.':
        'Den tiden är fullbokad. Välj en annan tid.',
    'Thursday': 'Torsdag',
    'Time': 'Tid',
    'Time zone': 'Tidszon',
    'Tuesday': 'Tisdag',
    'We expect a person to answer you by %(when)s (in about %(minutes)s minutes).':
        'Vi räknar med att en person svarar dig senast %(when)s (om ungefär %(minutes)s minuter).',
    'We expect a person to answer you by %(when)s.':
        'Vi räknar med att en person svarar dig senast %(when)s.',
    'We tried to call you but could not reach you. Choose a new time below.':
        'Vi försökte ringa dig men nådde dig inte. Välj en ny tid nedan.',
    'Wednesday': 'Onsdag',
    'Who is here': 'Vem är här',
    'Work': 'Arbete',
    'Write dates like 2026-12-27, one per line.':
        'Skriv datum som 2026-12-27, ett per rad.',
    'Write opening hours like 08:00-12:00, 13:00-17:00.':
        'Skriv öppettider som 08:00-12:00, 13:00-17:00.',
    'You are not a member of any team.': 'Du är inte medlem i något team.',
    'Your case has been open for six months. You may ask us in writing to decide it (förvaltningslagen 12 §).':
        'Ditt ärende har varit öppet i sex månader. Du får skriftligen begära att vi avgör det (förvaltningslagen 12 §).',
    'attempt %(n)s': 'försök %(n)s',
    'back %(when)s': 'tillbaka %(when)s',
    'business time': 'öppettid',
    'chosen by staff': 'valt av personal',
    'due %(when)s': 'senast %(when)s',
    'fallback team': 'reservteam',
    'first response': 'första svar',
    'handles the topic': 'hanterar ämnet',
    'not set': 'ej angivet',
    'overdue %(t)s': 'försenat %(t)s',
    'overflow: the first team could not keep the promise':
        'överflöd: första teamet kunde inte hålla löftet',
    'paused': 'pausat',
    'promise %(n)s': 'svarslöfte %(n)s',
    'resolution': 'lösning',
    'shortest expected wait': 'kortast väntad väntetid',
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
