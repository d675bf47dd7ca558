"""Theme dossiers: official theme indicators and per-profile survey attitudes (display only)."""

THEMES = {
    "energie": "Energie en warmte",
    "leefomgeving": "Leefomgeving en samenleven",
    "veiligheid": "Veiligheid",
    "democratie": "Politiek en democratie",
}
