with

source as (

    select * from {{ source('config', 'gl_accounts') }}

),

final as (

    select * from source

)

select * from final
