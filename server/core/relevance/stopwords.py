"""French and English stop words: the words a pitch uses whatever it speaks of (folded as the
text module folds words: lower case, no accents)."""

from __future__ import annotations

FRENCH = frozenset(
    """
    a afin ai aie aient aies ainsi ait alors as au aucun aucune aupres auquel aura aurai auraient
    aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux avaient avais
    avait avant avec avez aviez avions avoir avons ayant ayez ayons bien c ca car ce ceci cela
    celle celles celui cependant ces cet cette ceux chacun chaque chez ci comme comment d dans de
    des deja depuis dont du elle elles en encore entre es est et etaient etais etait etant ete
    etes etiez etions etre eu eue eues eurent eus eusse eut eux faire fait fais font fut grace
    ici il ils j je jusqu jusque l la laquelle le lequel les lesquels leur leurs lors lorsque lui
    m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on ont ou par parce pas
    peu peut peuvent plus plusieurs pour pourquoi pouvez pouvons puis qu quand que quel quelle
    quelles quels qui quoi s sa sans se sera serai seraient serait seront ses si sien sienne son
    sont sous soyez sur t ta tant te tes toi ton tous tout toute toutes tres trop tu un une unes
    uns vers via voici voila vos votre vous y chez etc nouveau nouvelle nouveaux nouvelles
    solution solutions offre offrons proposons propose permet permettent notamment
    besoin besoins cherchons recherche commune communes ville villes
    """.split()
)

ENGLISH = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further get gets had has have having he her here hers herself him himself his how i if in
    into is it its itself just let me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own per same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon
    us very via was we were what when where which while who whom why will with would you your
    yours yourself yourselves etc new help helps offer offers provide provides solution
    solutions need needs looking town towns city cities council councils municipality
    """.split()
)
