"""The district's side (区统计局): intake of township files, completeness, 汇总 and plan progress.

Core code: no Qt here; the district views in ``ui/`` call it through the Workspace.
"""
