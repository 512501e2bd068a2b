"""Street names compared the way staff type them: "Str. Ştefan cel Mare" is "strada Ștefan cel Mare"."""
import re

from portal.domain.text import fold

_PREFIXES = re.compile(
    r"^(strada|str|aleea|al|bulevardul|bdul|bd|b-dul|calea|cal|piata|pta|soseaua|sos|intrarea|intr|"
    r"fundatura|fdt|splaiul|spl|drumul|prelungirea|prel)\b\.?\s*"
)


def street_key(name: str) -> str:
    folded = fold(name).replace(".", ". ").strip()
    folded = _PREFIXES.sub("", folded)
    return " ".join(re.sub(r"[^\w\s-]", " ", folded).split())
