"""The contract's rules in the report: every `rule:<id>` tag with its rule's text and a link to its section.

From contracts/rules.yaml: report.html's tag statistics show, for each rule tag, the rule's text (a tag doc,
Robot's `--tagdoc`) and a link per contract section it cites into contracts/wallet-api-contract.md (a tag
link, Robot's `--tagstatlink`; relative to the report's folder, so it works where the results stay in the
checkout). `statistics(outdir)` is the `stat_config` of `Result.configure`; with rebot, the same as
`--tagdoc "rule?<id>:<text>" --tagstatlink "rule?<id>:<link>:<title>"` (`?` for the tag's own colon).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from runner import ROOT

RULES = ROOT / "contracts" / "rules.yaml"
CONTRACT = ROOT / "contracts" / "wallet-api-contract.md"


def anchors(contract: Path = CONTRACT) -> dict[str, str]:
    """Section number -> the Markdown anchor of its `## N. Title` heading (GitHub's slug)."""
    found = {}
    for match in re.finditer(r"^## (\d+)\. (.+)$", contract.read_text(encoding="utf-8"), re.MULTILINE):
        found[match[1]] = re.sub(r"[^\w\- ]", "", f"{match[1]}. {match[2]}".lower()).replace(" ", "-")
    return found


def section_links(section: str, target: str, known: dict[str, str]) -> list[tuple[str, str]]:
    """`2 Auth, 4` -> [(target#2-conventions-..., 'section 2 Auth'), (target#4-endpoints, 'section 4')]; parts
    that do not start with a section number of the contract (e.g. `issue 4`) get no link."""
    links = []
    for part in (p.strip() for p in str(section).split(",")):
        number = re.match(r"(\d+)\b", part)
        if number and number[1] in known:
            links.append((f"{target}#{known[number[1]]}", f"section {part}"))
    return links


def statistics(outdir: Path, rules: Path = RULES) -> dict[str, list]:
    """`tag_doc` (pattern, doc) and `tag_stat_link` (pattern, link, title) of every rule, for a report in
    `outdir`."""
    import yaml

    target = Path(os.path.relpath(CONTRACT, outdir)).as_posix()
    known = anchors()
    docs, links = [], []
    for rule in yaml.safe_load(rules.read_text(encoding="utf-8"))["rules"]:
        tag = f"rule:{rule['id']}"
        docs.append((tag, f"{' '.join(str(rule['rule']).split())} (contract section {rule.get('section', '?')})"))
        links += [(tag, link, title) for link, title in section_links(rule.get("section", ""), target, known)]
    return {"tag_doc": docs, "tag_stat_link": links}
