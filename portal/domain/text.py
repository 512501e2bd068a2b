"""Romanian text helpers shared by every form, import and search."""
import re
import unicodedata

# The old cedilla letters that older keyboards and Excel files still produce.
_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})


def normalize_ro(text: str | None) -> str | None:
    """Trim, collapse inner white space and write ș/ț with the comma below."""
    if text is None:
        return None
    return " ".join(text.translate(_CEDILLA_TO_COMMA).split())


def normalize_ro_paragraphs(text: str | None) -> str:
    """Like normalize_ro, line by line: the lines people typed stay, paragraphs apart by one empty line."""
    lines = [normalize_ro(line) for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def paragraphs(text: str | None) -> list[list[str]]:
    """Plain text as paragraphs (apart by an empty line) of lines, for templates, which escape each line."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return [lines for lines in ([line.strip() for line in block.split("\n") if line.strip()] for block in blocks)
            if lines]


def fold(text: str) -> str:
    """Lower case without diacritics: "Bălășcău" and "BALASCAU" fold to "balascau"."""
    decomposed = unicodedata.normalize("NFKD", normalize_ro(text) or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
