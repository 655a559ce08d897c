"""Salesforce language codes accepted in `languages` and `label` (Translation Workbench)."""

from __future__ import annotations

# Fully supported, end-user and platform-only languages and locales of Salesforce.
SALESFORCE_LANGUAGES = frozenset({
    # fully supported
    "zh_CN", "zh_TW", "da", "nl_NL", "en_US", "fi", "fr", "de", "it", "ja", "ko", "no",
    "pt_BR", "ru", "es", "es_MX", "sv", "th",
    # end user
    "ar", "bg", "hr", "cs", "en_GB", "el", "he", "hu", "in", "pl", "pt_PT", "ro", "sk", "sl",
    "tr", "uk", "vi",
    # platform only (a selection of the common ones)
    "sq", "hy", "eu", "bs", "bn", "my", "ca", "zh_HK", "en_AU", "en_CA", "en_IN", "en_MY",
    "en_PH", "en_IE", "en_NZ", "en_SG", "en_ZA", "et", "fr_CA", "ka", "de_AT", "de_CH", "hi",
    "is", "ga", "it_CH", "kk", "km", "lv", "lt", "lb", "mk", "ms", "mt", "ro_MD", "me",
    "sh", "sr", "sh_ME", "es_AR", "es_CO", "es_CR", "es_PE", "es_PR", "es_US", "es_UY",
    "es_VE", "tl", "ta", "te", "ur", "cy", "fr_BE", "fr_CH", "fr_LU", "nl_BE", "af", "sw",
    "zu", "xh", "mr", "gu", "kn", "ml", "pa", "iw", "ji", "yi", "fa", "hi_IN",
})


def is_language(code: str) -> bool:
    """True when `code` is a Salesforce language code."""
    return code in SALESFORCE_LANGUAGES
