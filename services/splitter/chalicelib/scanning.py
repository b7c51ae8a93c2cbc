"""Record ownership over byte ranges: the shared code the offline validator runs too."""

from circulion.recipes.scanning import Record, RecordRun, RecordScanner, records_at

__all__ = ["Record", "RecordRun", "RecordScanner", "records_at"]
