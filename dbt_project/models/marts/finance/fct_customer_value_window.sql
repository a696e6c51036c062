{#- The 12-month value window of every conformed customer for the run's as-of date
    (var as_of_date): var value_window_months (12) calendar months ending with the as-of
    month (the as-of month counts with the days up to the as-of date), and as many months
    before them for revenue_prev_12m. Contribution and its parts use the last 12 closed
    months instead (doc block month_status: an open month's revenue is never counted
    without its cost), or the revenue window when no month is closed. ACTIVE CUSTOMER is defined here, once (doc block
    `is_active`, macro is_active_customer()): revenue in the window > 0. Segmentation
    reads this table; it is rebuilt whole on every run (one as-of date). -#}
with

customers as (

    select * from {{ ref('dim_customer') }}

),

profitability as (

    select * from {{ ref('fct_customer_profitability') }}

),

activity as (

    select * from {{ ref('fct_customer_activity') }}

),

revenue_monthly as (

    select * from {{ ref('int_customer_revenue_monthly') }}

),

ledger_months as (

    select * from {{ ref('ledger_months') }}

),

window_bounds as (

    select
        {{ as_of_date() }}                                                          as as_of_date,
        cast(date_trunc('month', {{ as_of_date() }}) - interval ({{ var('value_window_months') }} - 1) month as date)
                                                                                    as window_start_month,
        cast(date_trunc('month', {{ as_of_date() }}) as date)                       as window_end_month,
        cast(date_trunc('month', {{ as_of_date() }}) - interval (2 * {{ var('value_window_months') }} - 1) month as date)
                                                                                    as prev_window_start_month

),

contribution_bounds as (

    -- the last var value_window_months closed months (none closed: the revenue window)
    select
        cast(coalesce(last_closed.month - interval ({{ var('value_window_months') }} - 1) month,
                      window_bounds.window_start_month) as date)          as start_month,
        cast(coalesce(last_closed.month, window_bounds.window_end_month) as date)
                                                                          as end_month
    from window_bounds
    cross join (
        select max(period_month) as month
        from ledger_months
        where month_status = 'closed'
    ) as last_closed

),

profitability_windowed as (

    select
        profitability.customer_key,
        sum(profitability.revenue) filter (where profitability.period_month >= window_bounds.window_start_month)
            as revenue_12m,
        sum(profitability.cogs) filter (where profitability.period_month >= window_bounds.window_start_month)
            as cogs_12m,
        sum(profitability.revenue) filter (where profitability.period_month
            between window_bounds.prev_window_start_month and window_bounds.window_start_month - interval 1 day)
            as revenue_prev_12m,
        sum(profitability.revenue) filter (where profitability.period_month
            between contribution_bounds.start_month and contribution_bounds.end_month)
            as revenue_closed_12m,
        sum(profitability.cogs) filter (where profitability.period_month
            between contribution_bounds.start_month and contribution_bounds.end_month)
            as cogs_closed_12m,
        sum(profitability.cost_to_serve) filter (where profitability.period_month
            between contribution_bounds.start_month and contribution_bounds.end_month)
            as cost_to_serve_12m,
        sum(profitability.credit_cost) filter (where profitability.period_month
            between contribution_bounds.start_month and contribution_bounds.end_month)
            as credit_cost_12m
    from profitability
    cross join window_bounds
    cross join contribution_bounds
    where profitability.period_month between
        least(window_bounds.prev_window_start_month, contribution_bounds.start_month)
        and window_bounds.window_end_month
    group by profitability.customer_key

),

activity_windowed as (

    select
        activity.customer_key,
        sum(activity.visit_minutes + activity.call_minutes + activity.ticket_minutes) as effort_minutes_12m,
        sum(activity.visit_count)       as visits_12m,
        sum(activity.tickets_rated)     as tickets_rated_12m,
        sum(activity.tickets_good)      as tickets_good_12m
    from activity
    cross join window_bounds
    where activity.period_month between window_bounds.window_start_month and window_bounds.window_end_month
    group by activity.customer_key

),

invoice_history as (

    select
        customer_key,
        min(first_invoice_date) as first_invoice_date,
        max(last_invoice_date)  as last_invoice_date
    from revenue_monthly
    where first_invoice_date <= {{ as_of_date() }}
    group by customer_key

),

joined as (

    select
        customers.customer_key,
        window_bounds.as_of_date,
        window_bounds.window_start_month,
        window_bounds.window_end_month,
        contribution_bounds.start_month                         as contribution_window_start_month,
        contribution_bounds.end_month                           as contribution_window_end_month,
        coalesce(profitability_windowed.revenue_12m, 0)         as revenue_12m,
        coalesce(profitability_windowed.cogs_12m, 0)            as cogs_12m,
        coalesce(profitability_windowed.revenue_closed_12m, 0)  as revenue_closed_12m,
        coalesce(profitability_windowed.cogs_closed_12m, 0)     as cogs_closed_12m,
        coalesce(profitability_windowed.cost_to_serve_12m, 0)   as cost_to_serve_12m,
        coalesce(profitability_windowed.credit_cost_12m, 0)     as credit_cost_12m,
        coalesce(profitability_windowed.revenue_prev_12m, 0)    as revenue_prev_12m,
        coalesce(activity_windowed.effort_minutes_12m, 0)       as effort_minutes_12m,
        coalesce(activity_windowed.visits_12m, 0)               as visits_12m,
        coalesce(activity_windowed.tickets_rated_12m, 0)        as tickets_rated_12m,
        coalesce(activity_windowed.tickets_good_12m, 0)         as tickets_good_12m,
        invoice_history.first_invoice_date,
        invoice_history.last_invoice_date
    from customers
    cross join window_bounds
    cross join contribution_bounds
    left join profitability_windowed
        on customers.customer_key = profitability_windowed.customer_key
    left join activity_windowed
        on customers.customer_key = activity_windowed.customer_key
    left join invoice_history
        on customers.customer_key = invoice_history.customer_key

),

final as (

    select
        cast(customer_key as varchar)                       as customer_key,
        cast(as_of_date as date)                            as as_of_date,
        cast(revenue_12m as decimal(18, 2))                 as revenue_12m,
        cast(cogs_12m as decimal(18, 2))                    as cogs_12m,
        cast(revenue_closed_12m - cogs_closed_12m as decimal(18, 2)) as gross_margin_12m,
        cast(cost_to_serve_12m as decimal(18, 2))           as cost_to_serve_12m,
        cast(credit_cost_12m as decimal(18, 2))             as credit_cost_12m,
        {{ contribution('revenue_closed_12m - cogs_closed_12m', 'cost_to_serve_12m', 'credit_cost_12m') }}
                                                            as contribution_12m,
        cast(revenue_closed_12m as decimal(18, 2))          as revenue_closed_12m,
        cast(revenue_prev_12m as decimal(18, 2))            as revenue_prev_12m,
        cast(effort_minutes_12m as bigint)                  as effort_minutes_12m,
        cast(visits_12m as bigint)                          as visits_12m,
        cast(tickets_rated_12m as bigint)                   as tickets_rated_12m,
        cast(tickets_good_12m as bigint)                    as tickets_good_12m,
        cast(first_invoice_date as date)                    as first_invoice_date,
        cast(last_invoice_date as date)                     as last_invoice_date,
        first_invoice_date is not null                      as has_bought,
        {{ is_active_customer('revenue_12m') }}             as is_active,
        cast(window_start_month as date)                    as window_start_month,
        cast(window_end_month as date)                      as window_end_month,
        cast(contribution_window_start_month as date)       as contribution_window_start_month,
        cast(contribution_window_end_month as date)         as contribution_window_end_month
    from joined

)

select * from final
