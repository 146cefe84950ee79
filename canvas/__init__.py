"""Qt graphics for one journey. Knows the journey document and the node catalogue; never the store."""
