"""Several workers sharing many company pairs, coordinated through one PostgreSQL database.

    mapsync enqueue --db postgresql://… acme globex     one sync job per pair
    mapsync worker  --db postgresql://… --pairs pairs/  take jobs until stopped

Parts: `queue` (the procrastinate app: the sync task, enqueueing, the worker loop and
the retry of jobs whose worker died), `lease` (one holder per pair, with a timeout, and
the log of every attempt), `pairs` (where each pair's configuration lives and how one
pair is synced).
"""
