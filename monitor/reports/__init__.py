"""The monthly availability report: data assembly (`data`), renderers (`pdf`, `xlsx`, `html`),
stored reports and scheduled delivery (`delivery`). The figures come from monitor.availability."""
