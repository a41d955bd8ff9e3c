"""The archive: SQLite with FTS5 (the record), chromadb (vectors), embeddings and search.

``archive.Archive`` is the entry point; ``store.Store`` is its SQLite side.
"""
