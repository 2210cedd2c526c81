"""A lesson: one line of title.

What it shows, in a sentence.
"""

# %% Imports
import sys


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> int:
    print(f'device = "{device}"')
    return 1


# %% Command line
if __name__ == "__main__":
    sys.exit(main())
