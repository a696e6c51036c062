-- Every pool and month: ledger = allocated + unallocated, to the cent, on every row.
select *
from {{ ref('reconciliation_ledger') }}
where difference <> 0
   or ledger_amount - allocated_amount - unallocated_amount <> 0
