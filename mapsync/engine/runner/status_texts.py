"""The catalog of sync error texts shown on Salesforce records, by error kind and language.

Every kind has en_US, fr, de and es. `{field}` is the label of the field concerned in the
reader's language (from the rule set's translations), `{detail}` the service's own message,
kept as the service wrote it: administrators search for it.
"""

from __future__ import annotations

LANGUAGES = ("en_US", "fr", "de", "es")
DEFAULT_LANGUAGE = "en_US"

TEXTS: dict[str, dict[str, str]] = {
    "invalid_field": {
        "en_US": "Intacct rejected the value of {field}: {detail}",
        "fr": "Intacct a refusé la valeur du champ « {field} » : {detail}",
        "de": "Intacct hat den Wert von „{field}“ abgelehnt: {detail}",
        "es": "Intacct rechazó el valor de {field}: {detail}",
    },
    "invalid": {
        "en_US": "Intacct rejected this record: {detail}",
        "fr": "Intacct a refusé cet enregistrement : {detail}",
        "de": "Intacct hat diesen Datensatz abgelehnt: {detail}",
        "es": "Intacct rechazó este registro: {detail}",
    },
    "duplicate": {
        "en_US": "A record with the same key already exists in Intacct: {detail}",
        "fr": "Un enregistrement avec la même clé existe déjà dans Intacct : {detail}",
        "de": "In Intacct gibt es bereits einen Datensatz mit demselben Schlüssel: {detail}",
        "es": "Ya existe en Intacct un registro con la misma clave: {detail}",
    },
    "permission": {
        "en_US": "The integration user may not make this change: {detail}",
        "fr": "L'utilisateur d'intégration n'a pas le droit de faire cette modification : "
              "{detail}",
        "de": "Der Integrationsbenutzer darf diese Änderung nicht vornehmen: {detail}",
        "es": "El usuario de integración no puede realizar este cambio: {detail}",
    },
    "not_found": {
        "en_US": "The linked record no longer exists: {detail}",
        "fr": "L'enregistrement lié n'existe plus : {detail}",
        "de": "Der verknüpfte Datensatz existiert nicht mehr: {detail}",
        "es": "El registro vinculado ya no existe: {detail}",
    },
    "waiting": {
        "en_US": "Waiting for a related record to be synced first: {detail}",
        "fr": "En attente de la synchronisation d'un enregistrement lié : {detail}",
        "de": "Wartet darauf, dass zuerst ein verknüpfter Datensatz synchronisiert wird: "
              "{detail}",
        "es": "A la espera de que se sincronice antes un registro relacionado: {detail}",
    },
    "rule": {
        "en_US": "The mapping rule for {field} could not compute a value: {detail}",
        "fr": "La règle de correspondance de « {field} » n'a pas pu calculer de valeur : "
              "{detail}",
        "de": "Die Zuordnungsregel für „{field}“ konnte keinen Wert berechnen: {detail}",
        "es": "La regla de asignación de {field} no pudo calcular un valor: {detail}",
    },
    "no_products": {
        "en_US": "The opportunity has no products to order.",
        "fr": "L'opportunité n'a aucun produit à commander.",
        "de": "Die Opportunity enthält keine Produkte, die bestellt werden können.",
        "es": "La oportunidad no tiene productos que pedir.",
    },
    "temporary": {
        "en_US": "Intacct or Salesforce was unavailable; the next sync retries: {detail}",
        "fr": "Intacct ou Salesforce était indisponible ; la prochaine synchronisation "
              "réessaiera : {detail}",
        "de": "Intacct oder Salesforce war nicht erreichbar; die nächste Synchronisierung "
              "versucht es erneut: {detail}",
        "es": "Intacct o Salesforce no estaba disponible; la próxima sincronización lo "
              "reintentará: {detail}",
    },
    "other": {
        "en_US": "The sync failed: {detail}",
        "fr": "La synchronisation a échoué : {detail}",
        "de": "Die Synchronisierung ist fehlgeschlagen: {detail}",
        "es": "La sincronización falló: {detail}",
    },
}
