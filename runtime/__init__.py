"""The headless heart of Switchback: journey documents, validation, conditions, the store, the engine,
the scheduler and simulation. Nothing here imports Qt."""
