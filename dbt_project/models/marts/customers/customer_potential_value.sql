{#- Potential value per customer: see the doc block potential_value. -#}
with

customers as (

    select * from {{ ref('dim_customer') }}

),

value_window as (

    select * from {{ ref('fct_customer_value_window') }}

),

customer_revenue as (

    select
        customers.customer_key,
        coalesce(customers.industry, '(none)')              as industry,
        coalesce(customers.country_code, '(none)')          as country_code,
        coalesce(customers.open_pipeline_weighted, 0)       as open_pipeline_weighted,
        coalesce(value_window.revenue_12m, 0)               as revenue_12m,
        coalesce(value_window.is_active, false)             as is_active
    from customers
    left join value_window
        on customers.customer_key = value_window.customer_key

),

peer_revenue as (

    select
        industry,
        country_code,
        quantile_cont(revenue_12m, 0.75)                    as peer_revenue_p75
    from customer_revenue
    where is_active
    group by industry, country_code

),

final as (

    select
        customer_revenue.customer_key,
        cast(customer_revenue.open_pipeline_weighted as decimal(18, 2)) as open_pipeline_weighted,
        cast(round(coalesce(peer_revenue.peer_revenue_p75, 0), 2) as decimal(18, 2)) as peer_revenue_p75,
        cast(greatest(round(coalesce(peer_revenue.peer_revenue_p75, 0), 2) - customer_revenue.revenue_12m, 0)
            as decimal(18, 2))                              as revenue_headroom,
        cast(customer_revenue.open_pipeline_weighted
            + greatest(round(coalesce(peer_revenue.peer_revenue_p75, 0), 2) - customer_revenue.revenue_12m, 0)
            as decimal(18, 2))                              as potential_value
    from customer_revenue
    left join peer_revenue
        on customer_revenue.industry = peer_revenue.industry
        and customer_revenue.country_code = peer_revenue.country_code

)

select * from final
