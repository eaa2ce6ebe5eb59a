"""The appraisal forms: the model of a form (`model`: sections, items, inputs, outcomes) and
its definitions in YAML files: read with line numbers and their problems collected (`source`),
checked while the model is built (`builder`), found, loaded and looked up (`definitions`, whose
functions this package also gives: `xlkpi.forms.get_form`, as before the parts).

May import: `xlkpi.base`.
"""

from .definitions import (  # noqa: F401  (the names `xlkpi.forms` always gave)
    FOLDER_HINT,
    FORMS_VARIABLE,
    builtin_dir,
    builtin_forms,
    check_form_file,
    check_form_text,
    form_folders,
    get_form,
    known_forms,
    load_form,
    use_form_folders,
)
