"""The upload service: customer API, upload validation and the recipe status projection."""
