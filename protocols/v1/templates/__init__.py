"""Message templates of protocol v1: the legal forms, as marshmallow schemas with field-level errors.

MLA requests follow the 1959 Convention, its Second Additional Protocol and UNTOC Art. 18(15); EIOs
follow Annex A of Directive 2014/41/EU and are acknowledged with Annex B; the replies follow the
message taxonomy of the legal catalogue (section 7). Labels for every field and enumeration value,
in every language the federation works in, are in `protocols.v1.i18n`.
"""
