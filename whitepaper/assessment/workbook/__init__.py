"""The assessment as an XLSX workbook: downloaded blank or filled (consolidated or one workshop group's),
filled offline, and uploaded back through the same rating rules and service as the web form."""
