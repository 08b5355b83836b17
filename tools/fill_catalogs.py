"""After `pybabel update` (`make messages`): the English catalog's empty entries get their
message id (the ids are English), and every Swedish entry still without a translation is
listed. The .po files are the one source of truth: translate in
src/nara/locale/sv/LC_MESSAGES/messages.po itself (a test fails while any entry is empty)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parents[1] / "src" / "nara" / "locale"


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def fill(lang: str) -> list[str]:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    missing = []
    for message in catalog:
        if not message.id or _translated(message):
            continue
        if lang == "en":
            message.string = message.id
        else:
            missing.append(str(message.id))
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    return missing


if __name__ == "__main__":
    for code in ("en", "sv"):
        for msgid in fill(code):
            print(f"{code}: no translation yet for {msgid!r}")
