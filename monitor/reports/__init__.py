"""The monthly availability report: data assembly (`data`), renderers (`pdf`, `xlsx`, `html`),
targets from settings (`targets`), stored reports and scheduled delivery (`delivery`)."""
