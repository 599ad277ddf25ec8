"""Console speed at a million cases; see minsheng.bench.console (also `minsheng bench console`)."""

from minsheng.bench.console import main

if __name__ == "__main__":
    main()
