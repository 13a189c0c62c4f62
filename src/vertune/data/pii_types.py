"""The redaction type names, import-free so the recipe validates them without the recognisers."""

PII_TYPES = ("email", "phone", "id_card", "bank_card", "ip", "url", "iban")
#: found by a NER run (`data.redact_model`), not by a pattern
MODEL_PII_TYPES = ("person", "location")
ALL_PII_TYPES = PII_TYPES + MODEL_PII_TYPES
