"""The shipped rules, installed as the package ``riskgate.rules`` (see pyproject.toml).

This folder is data, not code: riskgate reads the YAML files beside this one, and
``riskgate rules export DIR`` writes an editable copy of them.
"""
