"""Romanian text helpers shared by every form, import and search."""
import unicodedata

# The old cedilla letters that older keyboards and Excel files still produce.
_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})


def normalize_ro(text: str | None) -> str | None:
    """Trim, collapse inner white space and write ș/ț with the comma below."""
    if text is None:
        return None
    return " ".join(text.translate(_CEDILLA_TO_COMMA).split())


def normalize_ro_paragraphs(text: str | None) -> str:
    """Like normalize_ro, line by line: the lines and blank lines (paragraphs) people typed stay."""
    lines = [normalize_ro(line) for line in (text or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def fold(text: str) -> str:
    """Lower case without diacritics: "Bălășcău" and "BALASCAU" fold to "balascau"."""
    decomposed = unicodedata.normalize("NFKD", normalize_ro(text) or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
