"""Every shape an account's evidence arrives in, normalised into the same records and sources.

One module per format family; each says what it accepts and turns it into `CrmRecord`s (CRM
data, returned as a `records.CrmFile`) or `Source`s (notes, calls), reporting what it had to
skip. Adding a format is one module and its tests:

- `text`: bytes to text, whatever the encoding; `dates`: dates as people write them.
- `salesforce_json`: REST query results, `sf data query --json` output, `sf data export tree`
  files (with or without a plan; nested child records), paged results.
- `salesforce_csv`: Data Loader CSV exports; `salesforce_report`: report exports (field labels).
- `hubspot`: HubSpot CRM API objects and view-export CSVs.
- `email_note`, `outlook_msg`, `word_note`: emails (.eml, Outlook .msg) and Word documents as notes.
- `crm`: a bundle's crm/ folder, subfolders included: dispatches each file to its format, resolves
  tree-export references across files and checks that paged results are complete.
- `salesforce_pull`, `hubspot_pull`: an account pulled from a live org or portal into a bundle folder.
"""
