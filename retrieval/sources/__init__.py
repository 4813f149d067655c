"""Every shape an account's evidence arrives in, normalised into the same records and sources.

One module per format family; each says what it accepts and turns it into `CrmRecord`s (CRM
data) or `Source`s (notes, calls), reporting what it had to skip. Adding a format is one module
and its tests:

- `text`: bytes to text, whatever the encoding (UTF-8 with or without BOM, UTF-16 from a
  Windows PowerShell redirect, Windows-1252).
- `salesforce_json`: REST query results, `sf data query --json` output, `sf data export tree`
  files (with or without a plan; nested child records), paged results.
- `salesforce_csv`: Data Loader CSV exports (upper-case API field names).
- `crm`: a bundle's crm/ folder, subfolders included: dispatches each file to its format, resolves
  tree-export references across files and checks that paged results are complete.
"""
