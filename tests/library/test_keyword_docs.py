"""Every keyword of WalletLibrary is documented with an example and tagged with its component."""

from __future__ import annotations

from WalletLibrary import COMPONENTS, WalletLibrary


def test_every_keyword_has_an_example_and_its_component() -> None:
    library = WalletLibrary()
    components = {label for _, label in COMPONENTS}
    for name in library.get_keyword_names():
        documentation = library.get_keyword_documentation(name)
        assert "\n| " in "\n" + documentation, f"{name}: no example (a | table | row) in its documentation"
        assert components & set(library.get_keyword_tags(name)), f"{name}: no component tag"
