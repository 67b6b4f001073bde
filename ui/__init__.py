"""The window: thin Qt views and models over ``storage.workspace`` (no business rules here).

Modules: ``app`` (start-up), ``main_window`` (layout), ``controller`` (presenter, Qt-free),
``grid_model``/``grid_view`` (one form table), ``findings_panel`` (审核 results and 说明),
``form_header`` (the label block), ``forms_list`` (forms with status), ``operations``
(long calls off the UI thread), ``theme`` (colours and fonts).
"""
