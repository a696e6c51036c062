-- gross_margin = revenue - cogs; contribution = gross_margin - cost_to_serve - credit_cost.
select *
from {{ ref('fct_customer_profitability') }}
where gross_margin <> revenue - cogs
   or contribution <> gross_margin - cost_to_serve - credit_cost
