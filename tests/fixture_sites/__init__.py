"""Fixture news sites imitating the CMSs Central Asian outlets run (own pages and text), served over real HTTP."""
