"""Reports: PDF rendering with WeasyPrint, the job queue and its worker, scorecards and CRP reports."""
