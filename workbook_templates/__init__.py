"""Built-in appraisal form definitions (YAML), installed as xlkpi.workbook_templates."""
