"""The saved model: a transparent JSON file plus an .npz of coefficients, no microdata.

``model.json`` holds the version, the SHA-256 of the training file, the code version, all fit
statistics, the eight profile cards, the LCA parameters (class-conditional answer
probabilities: aggregates, enough to re-derive anyone's class from their answers) and the
national demographic cells. ``coefficients.npz`` holds the membership model's coefficients
and its bootstrap refits. Loading gives exactly the probabilities computed at fit time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.errors import BetrokkenError
from betrokken.model.membership import predict_from_coefficients
from betrokken.model.segmentation import LCAParams

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifact"
MODEL_FILE = "model.json"
COEF_FILE = "coefficients.npz"
FORMAT_VERSION = 1


@dataclass
class ProfileModel:
    """Everything the area stage needs from the survey (see docs/architecture.md)."""

    version: str
    profile_ids: list[str]
    profiles: list[dict]
    predictors: list[str]
    interactions: list[tuple[str, str]]
    coef: np.ndarray  # (8, p)
    intercept: np.ndarray  # (8,)
    boot_coef: np.ndarray  # (B, 8, p)
    boot_intercept: np.ndarray  # (B, 8)
    national_cells: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def _check(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [p for p in self.predictors if p not in X.columns]
        if missing:
            raise BetrokkenError(
                f"Voor de profielkansen ontbreken kolom(men): {', '.join(missing)}.",
                hint=f"Nodig: {', '.join(self.predictors)}.",
            )
        empty = [p for p in self.predictors if X[p].isna().any()]
        if empty:
            raise BetrokkenError(f"Lege waarden in kolom(men) {', '.join(empty)}.")
        return X

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(profile | cell), shape (n, 8), columns in ``profile_ids`` order."""
        X = self._check(X)
        return predict_from_coefficients(
            X, self.predictors, self.interactions, self.coef, self.intercept
        )

    def bootstrap_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The same for every bootstrap refit of the membership model: (B, n, 8)."""
        X = self._check(X)
        return predict_from_coefficients(
            X, self.predictors, self.interactions, self.boot_coef, self.boot_intercept
        )

    @property
    def n_boot(self) -> int:
        return int(self.boot_coef.shape[0])

    def lca_posterior(self, indicators: pd.DataFrame) -> np.ndarray:
        """P(profile | answers) from the stored LCA parameters (indicators as in fitting)."""
        lca = self.meta["lca"]
        params = LCAParams(np.asarray(lca["class_weights"]), np.asarray(lca["item_probs"]))
        return params.posterior(indicators[lca["indicators"]])


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


def save_model(model: ProfileModel, out_dir: Path) -> Path:
    """Write model.json + coefficients.npz into ``out_dir`` (created if needed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "format_version": FORMAT_VERSION,
        "version": model.version,
        "profile_ids": model.profile_ids,
        "profiles": model.profiles,
        "predictors": model.predictors,
        "interactions": [list(i) for i in model.interactions],
        "national_cells": model.national_cells.to_dict(orient="records"),
        **model.meta,
    }
    (out_dir / MODEL_FILE).write_text(
        json.dumps(_jsonable(payload), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    np.savez_compressed(
        out_dir / COEF_FILE,
        coef=model.coef,
        intercept=model.intercept,
        boot_coef=model.boot_coef.astype(np.float32),
        boot_intercept=model.boot_intercept.astype(np.float32),
    )
    return out_dir


def load_model(path: Path | None = None) -> ProfileModel:
    """Load the committed artifact (or another directory / model.json written by ``fit``)."""
    path = ARTIFACT_DIR if path is None else Path(path)
    directory = path.parent if path.is_file() else path
    json_path = directory / MODEL_FILE
    if not json_path.is_file() or not (directory / COEF_FILE).is_file():
        raise BetrokkenError(
            f"Geen profielmodel gevonden in '{directory}'.",
            hint="Maak het met 'betrokken fit --data-dir …'.",
        )
    try:
        payload = json.loads(json_path.read_text(encoding="utf-8"))
        arrays = np.load(directory / COEF_FILE)
    except (ValueError, OSError) as exc:
        raise BetrokkenError(f"Het profielmodel in '{directory}' is beschadigd: {exc}") from None
    known = {
        "format_version",
        "version",
        "profile_ids",
        "profiles",
        "predictors",
        "interactions",
        "national_cells",
    }
    # Bootstrap coefficients are stored as float32 (size); the point model in float64.
    return ProfileModel(
        version=payload["version"],
        profile_ids=payload["profile_ids"],
        profiles=payload["profiles"],
        predictors=payload["predictors"],
        interactions=[tuple(i) for i in payload["interactions"]],
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        boot_coef=arrays["boot_coef"].astype(np.float64),
        boot_intercept=arrays["boot_intercept"].astype(np.float64),
        national_cells=pd.DataFrame(payload["national_cells"]),
        meta={k: v for k, v in payload.items() if k not in known},
    )
