"""The annual export of product.md §9: from two statistics answers to a file.

    statistics answers (this year, last year; already disclosure-controlled)
      │  answer.py      reads an answer's figures as report values (hidden stays hidden;
      │                 days become months: `days_to_months`)
      │  tables.py      the main table; breakdowns.py, charts.py the others
      │  text.py        the Swedish words and the footnotes that define each figure
      ▼
    report.py: build_annual_report  →  model.py: AnnualReport (format-neutral)
      │  render/        xlsx, docx, html, csv, json: draws the model, computes nothing
      ▼
    bytes, media type, file extension (export.py: AnnualExports, used by the API and CLI)

render/ imports only this package's model (and its own helpers), never application/.
"""
