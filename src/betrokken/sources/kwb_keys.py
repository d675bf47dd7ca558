"""Column names (OData base names) of a CBS Kerncijfers wijken en buurten table of any year.

The download (``sources/download.py``) asks CBS for these columns; ``areas/kwb_year.py``
turns them into the area table's shares.
"""

from __future__ import annotations

AGE_KEYS = ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar",
            "k_65JaarOfOuder")
HH_KEYS = ("Eenpersoonshuishoudens", "HuishoudensZonderKinderen", "HuishoudensMetKinderen")
EDU_KEYS = ("OpleidingsniveauLaag", "OpleidingsniveauMiddelbaar", "OpleidingsniveauHoog")
HERKOMST_KEYS = ("Nederland", "EuropaExclusiefNederland", "BuitenEuropa")
WESTERS_KEYS = ("WestersTotaal", "NietWestersTotaal")
VALUE_KEYS = {"income_avg": ("GemiddeldInkomenPerInwoner", 1.0),
              "share_low_income_hh": ("k_40HuishoudensMetLaagsteInkomen", 0.01),
              "share_high_income_hh": ("k_20HuishoudensMetHoogsteInkomen", 0.01),
              "share_owner_occupied": ("Koopwoningen", 0.01),
              "woz_avg": ("GemiddeldeWoningwaarde", 1.0)}
"""Our column -> (KWB base name, factor to our unit)."""
YEAR_KEYS = ("AantalInwoners", "Mannen", "Vrouwen", *AGE_KEYS, "HuishoudensTotaal", *HH_KEYS)
"""Base names every KWB release has (the download fails in Dutch without them)."""
OPTIONAL_YEAR_KEYS = (*HERKOMST_KEYS, *WESTERS_KEYS, *EDU_KEYS,
                      *(base for base, _ in VALUE_KEYS.values()),
                      "Omgevingsadressendichtheid", "MateVanStedelijkheid", "OppervlakteLand")
