"""Regenerate the committed demo files from their recipes: ``python datasets/make_datasets.py``."""

from pathlib import Path

from matchmaking.datasets import DEMO_RECIPES, synthetic_members

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for name, recipe in DEMO_RECIPES.items():
        synthetic_members(**recipe).to_csv(here / name, index=False)
        print(f"wrote {name} ({recipe})")
