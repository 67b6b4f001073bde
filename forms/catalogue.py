"""All form definitions of a folder, loaded and checked together, in their print order."""

from __future__ import annotations

from pathlib import Path

from forms.form_files import FormDefinitionError, definitions_dir, yaml_files
from forms.reference import ReferenceData
from forms.spec import FormSpec

__all__ = ["FormCatalogue"]


def load_form_file(path: Path, reference: ReferenceData) -> FormSpec:
    """``forms.loader.load_form_file``, imported only when a file is read (s1: a start with the
    checked catalogue kept imports neither the loader nor the formula parser)."""
    from forms.loader import load_form_file as load

    return load(path, reference)


class FormCatalogue:
    def __init__(self, forms: list[FormSpec], reference: ReferenceData) -> None:
        self.forms = tuple(sorted(forms, key=lambda f: (f.order, f.code)))  # every form, township and district
        self.reference = reference
        self._by_key = {f.key: f for f in self.forms}
        # d3: iterating (and len) gives what a township fills; a ``scope: district`` form is filled
        # once in the district database and is reached through ``district_forms`` / ``get``.
        self.township_forms = tuple(f for f in self.forms if f.scope == "township")
        self.district_forms = tuple(f for f in self.forms if f.scope == "district")
        # q1: the hash of the files it was loaded from (the bundled catalogue; None otherwise), a part
        # of the marker kept validations are checked against (storage.validation_cache)
        self.fingerprint: str | None = None

    @classmethod
    def load(cls, folder: Path | None = None, reference: ReferenceData | None = None) -> FormCatalogue:
        """Load every ``*.yaml`` in ``folder``; the first broken file raises FormDefinitionError.

        The bundled forms with the bundled reference data (no arguments) come from the checked
        catalogue kept since the last start when none of their inputs changed (forms.catalogue_cache)."""
        cached = folder is None and reference is None
        folder = folder or definitions_dir()
        files = yaml_files(folder)  # (= sorted(folder.glob("*.yaml")))
        if not files:
            reference = reference or ReferenceData.load()  # (its errors first, as always)
            raise FormDefinitionError(str(folder), "", "文件夹中没有表式定义文件（*.yaml）")
        if cached:
            from forms import catalogue_cache

            try:
                key = catalogue_cache.fingerprint(files, None)
            except OSError:
                cached = False
            else:
                kept = catalogue_cache.read_kept(key)
                if kept is not None:  # s1: the reference tables kept with them, unless they could not be
                    catalogue = cls(kept[0], kept[1] or ReferenceData.load())
                    catalogue.fingerprint = key
                    return catalogue
        reference = reference or ReferenceData.load()
        forms: list[FormSpec] = []
        seen: dict[str, str] = {}
        for path in files:
            form = load_form_file(path, reference)
            if form.key in seen:
                raise FormDefinitionError(path.name, "key", f"表代码 '{form.key}' 与 {seen[form.key]} 重复")
            seen[form.key] = path.name
            forms.append(form)
        from forms.loader import check_form_refs

        check_form_refs({f.key: f for f in forms})
        catalogue = cls(forms, reference)
        if cached:
            catalogue_cache.write_cached(key, forms, reference)
            catalogue.fingerprint = key
        return catalogue

    def get(self, key: str) -> FormSpec:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"没有表式 '{key}'") from None

    def __iter__(self):
        return iter(self.township_forms)

    def __len__(self) -> int:
        return len(self.township_forms)
